import { listAliveKey, listOwnersKey, listProcessingKey } from '../../src/triggers/list-keys';
import { listFunction, listTestContext, waitFor, type Model } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';
import type { Broker, ListPort } from '../../src/triggers/ports';

const { redis, start } = listTestContext();

const values = (records: { input: unknown }[]): string[] => records.map((r) => (r.input as Model).Message);

/**
 * A broker whose list port, once `stall.arm()` was called, lets the listener's heartbeat key expire right
 * after the next renewal (as a stall longer than heartbeatTimeoutMs between the renewal and the recovery
 * does on a loaded machine); `stall.recovered` resolves when the recovery that follows is done.
 */
function stallAfterHeartbeat(deleteKey: (key: string) => Promise<unknown>) {
  let armed = false;
  let done: () => void = () => undefined;
  const recovered = new Promise<void>((resolve) => (done = resolve));
  let expired = false;
  const wrap = (broker: Broker): Broker => ({
    ports(connection) {
      const ports = broker.ports(connection);
      const lists = ports.lists as ListPort;
      const stalling: ListPort = Object.assign(Object.create(lists) as ListPort, {
        heartbeat: async (owner: string, keys: readonly string[], ttlMs: number) => {
          await lists.heartbeat(owner, keys, ttlMs);
          if (!armed || expired) return;
          for (const key of keys) await deleteKey(listAliveKey(key, owner));
          expired = true;
        },
        recover: async (...args: Parameters<ListPort['recover']>) => {
          const moved = await lists.recover(...args);
          if (expired) done();
          return moved;
        },
      });
      return { ...ports, lists: stalling };
    },
    describe: () => broker.describe(),
    close: () => broker.close(),
  });
  return { wrap, arm: () => (armed = true), recovered };
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('RedisListTrigger reliable mode', () => {
  it('keeps the element in its own processing list while it runs, removes it after success', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    const g = gate();
    const h = await start({
      onJob: listFunction(key, () => g.wait, { reliable: true, pollingIntervalInMs: 20 }),
    });
    const started = await h.waitForLog((l) => l.msg.includes('pops list(s)'));
    const owner = String(started['owner']);
    expect(started.msg).toContain(`reliable, owner ${owner}`);
    expect(await redis.sMembers(listOwnersKey(key))).toEqual([owner]);
    expect(await redis.pTTL(listAliveKey(key, owner))).toBeGreaterThan(0);
    await redis.rPush(key, 'job-1');
    await h.waitForLog((l) => l.msg.startsWith("Executing 'Functions.onJob'"));
    expect(await redis.lRange(listProcessingKey(key, owner), 0, -1)).toEqual(['job-1']);
    g.open();
    await h.waitForInvocations(1);
    await waitFor(async () => (await redis.lLen(listProcessingKey(key, owner))) === 0, 'removal');
    await h.host.close();
    // A clean close ends the heartbeat and unregisters.
    expect(await redis.exists(listAliveKey(key, owner))).toBe(0);
    expect(await redis.sMembers(listOwnersKey(key))).toEqual([]);
  });

  it('a failed element goes back to the far end of the list and runs again (at-least-once)', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    await redis.rPush(key, ['bad', 'good']);
    const attempts = new Map<string, number>();
    const h = await start({
      onJob: listFunction(
        key,
        (m: Model) => {
          const n = (attempts.get(m.Message) ?? 0) + 1;
          attempts.set(m.Message, n);
          if (m.Message === 'bad' && n === 1) throw new Error('first attempt fails');
        },
        { reliable: true, pollingIntervalInMs: 20, concurrency: 1 },
      ),
    });
    const records = await h.waitForInvocations(3);
    expect(values(records)).toEqual(['bad', 'good', 'bad']);
    expect(records.map((r) => r.status)).toEqual(['failed', 'succeeded', 'succeeded']);
    await h.waitForLog((l) => l.msg.includes('back at the right end of the list to run again'));
    expect(await redis.lLen(key)).toBe(0);
  });

  it('at start, returns processing lists of gone listeners to the head, in order; live ones are left', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    // A listener that died holding p1 (taken first) and p2; another one that is alive holding l1.
    await redis.lPush(listProcessingKey(key, 'dead'), ['p1', 'p2']);
    await redis.lPush(listProcessingKey(key, 'alive'), ['l1']);
    await redis.sAdd(listOwnersKey(key), ['dead', 'alive']);
    await redis.set(listAliveKey(key, 'alive'), '1', { expiration: { type: 'PX', value: 60_000 } });
    await redis.rPush(key, ['s1']);
    const h = await start({
      onJob: listFunction(key, () => undefined, {
        reliable: true,
        batchSize: 1,
        concurrency: 1,
        pollingIntervalInMs: 20,
      }),
    });
    expect(values(await h.waitForInvocations(3))).toEqual(['p1', 'p2', 's1']);
    const recovered = await h.waitForLog((l) => l.msg.startsWith('Returned 2 elements left in processing'));
    expect([recovered['key'], recovered['list']]).toEqual([key, key]);
    expect(await redis.exists(listProcessingKey(key, 'dead'))).toBe(0);
    expect(await redis.lRange(listProcessingKey(key, 'alive'), 0, -1)).toEqual(['l1']);
    expect((await redis.sMembers(listOwnersKey(key))).sort()).toContain('alive');
    expect(await redis.sIsMember(listOwnersKey(key), 'dead')).toBe(0);
  });

  it('recovers from the right end too (listDirection right keeps the order)', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    await redis.lPush(listProcessingKey(key, 'dead'), ['p1', 'p2']);
    await redis.sAdd(listOwnersKey(key), 'dead');
    await redis.rPush(key, ['s1']);
    const h = await start({
      onJob: listFunction(key, () => undefined, {
        reliable: true,
        listDirection: 'right',
        batchSize: 1,
        concurrency: 1,
        pollingIntervalInMs: 20,
      }),
    });
    expect(values(await h.waitForInvocations(3))).toEqual(['p1', 'p2', 's1']);
  });

  it('a running listener takes over the elements of one whose heartbeat expired', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    const h = await start({
      onJob: listFunction(key, () => undefined, {
        reliable: true,
        heartbeatTimeoutMs: 150,
        pollingIntervalInMs: 20,
      }),
    });
    await h.waitForLog((l) => l.msg.includes('pops list(s)'));
    // A listener elsewhere took an element, then stopped renewing its heartbeat.
    await redis.sAdd(listOwnersKey(key), 'stalled');
    await redis.set(listAliveKey(key, 'stalled'), '1', { expiration: { type: 'PX', value: 100 } });
    await redis.lPush(listProcessingKey(key, 'stalled'), 'orphan');
    const [record] = await h.waitForInvocations(1);
    expect((record?.input as Model).Message).toBe('orphan');
  });

  it('a listener whose own heartbeat expired in a stall keeps its processing list (no self-recovery)', async () => {
    const key = `${uniquePrefix('reliable')}jobs`;
    const g = gate();
    const stall = stallAfterHeartbeat((k) => redis.del(k));
    const options = { reliable: true, heartbeatTimeoutMs: 600, pollingIntervalInMs: 20 };
    const h = await start({ onJob: listFunction(key, () => g.wait, options) }, { wrapBroker: stall.wrap });
    const owner = String((await h.waitForLog((l) => l.msg.includes('pops list(s)')))['owner']);
    await redis.rPush(key, 'job-1');
    await h.waitForLog((l) => l.msg.startsWith("Executing 'Functions.onJob'"));
    stall.arm();
    await stall.recovered;
    // job-1 is running: it stays in this listener's processing list and is not run a second time.
    expect(await redis.lRange(listProcessingKey(key, owner), 0, -1)).toEqual(['job-1']);
    expect(await redis.lLen(key)).toBe(0);
    g.open();
    await h.waitForInvocations(1);
    await waitFor(async () => (await redis.lLen(listProcessingKey(key, owner))) === 0, 'removal');
    expect(h.logs.filter((l) => l.msg.startsWith("Executing 'Functions.onJob'"))).toHaveLength(1);
    expect(h.logs.filter((l) => l.msg.startsWith('Returned '))).toEqual([]);
  });

  it("blocking reliable mode (BLMOVE), several keys, cardinality 'many'; close is prompt", async () => {
    const p = uniquePrefix('reliable');
    const [a, b] = [`${p}a`, `${p}b`];
    const h = await start({
      one: listFunction(a, () => undefined, { reliable: true, mode: 'blocking' }),
      two: listFunction(`${a}x ${b}`, () => undefined, {
        reliable: true,
        mode: 'blocking',
        cardinality: 'many',
      }),
    });
    await h.waitForLog((l) => l.msg.includes("'two' pops"));
    await redis.rPush(a, 'a1');
    await redis.rPush(b, ['b1', 'b2']);
    expect(values(await h.waitForInvocations(1, 'one'))).toEqual(['a1']);
    const batches = await h.until(() => {
      const got = h.records.filter((r) => r.functionName === 'two').flatMap((r) => r.input as Model[]);
      return got.length >= 2 ? got : undefined;
    });
    expect(batches.map((m) => m.Message)).toEqual(['b1', 'b2']);
    const before = Date.now();
    await h.host.close();
    expect(Date.now() - before).toBeLessThan(1000); // a BLMOVE waits 5 s
  });
});
