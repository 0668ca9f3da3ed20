import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const redis = createClient({ url: redisUrl() });
const hosts: HostUnderTest[] = [];

beforeAll(async () => {
  await redis.connect();
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.close();
});
afterAll(() => {
  redis.destroy();
});

type Model = { Trigger: string; Message: string };

function stream(keys: string, handler: (input: never) => unknown, extra: Record<string, unknown> = {}) {
  return {
    trigger: trigger.generic({
      type: 'redisStreamTrigger',
      connection: 'RedisConnectionString',
      keys,
      ...extra,
    }),
    handler: handler as never,
  };
}

async function start(...args: Parameters<typeof hostOnRedis>): Promise<HostUnderTest> {
  const h = await hostOnRedis(...args);
  hosts.push(h);
  return h;
}

/** The default consumer group: the function's name (onEntry), as in Azure. */
const GROUP = 'onEntry';

async function pending(key: string, group = GROUP): Promise<number> {
  return (await redis.xPending(key, group)).pending;
}

describe('RedisStreamTrigger on a real Redis', () => {
  it('creates the group at 0 (entries added before start are delivered) with model and metadata', async () => {
    const key = `${uniquePrefix('stream')}s`;
    const id = await redis.xAdd(key, '*', { f: 'v', n: '1' });
    const h = await start({ onEntry: stream(key, (m: Model) => m.Message, { pollingIntervalInMs: 20 }) });
    const [record] = await h.waitForInvocations(1);
    expect(record?.input).toEqual({ Trigger: key, Message: '{"f":"v","n":"1"}' });
    expect(record?.triggerMetadata).toEqual({ Key: key, Id: id, Values: { f: 'v', n: '1' } });
    const groups = await redis.xInfoGroups(key);
    expect(groups.map((g) => g.name)).toEqual([GROUP]);
    const started = await h.waitForLog((l) => l.msg.includes(`in group '${GROUP}' as consumer`));
    expect(started['consumer']).toMatch(/^[0-9a-f-]{36}$/);
    await h.waitForLog((l) => l.msg.startsWith("Executed 'Functions.onEntry' (Succeeded"));
    await waitFor(async () => (await pending(key)) === 0);
  });

  it('acks only on success: a failed entry stays pending and runs again after reclaimIdleMs', async () => {
    const key = `${uniquePrefix('stream')}s`;
    const seen = new Map<string, number>();
    const h = await start({
      onEntry: stream(
        key,
        (m: Model) => {
          const n = (seen.get(m.Message) ?? 0) + 1;
          seen.set(m.Message, n);
          if (m.Message.includes('bad') && n === 1) throw new Error('first attempt fails');
        },
        { pollingIntervalInMs: 10, reclaimIdleMs: 150 },
      ),
    });
    await redis.xAdd(key, '*', { v: 'good' });
    await redis.xAdd(key, '*', { v: 'bad' });
    const records = await h.waitForInvocations(3);
    expect(records.map((r) => r.status).sort()).toEqual(['failed', 'succeeded', 'succeeded']);
    const retried = records[2];
    expect(retried?.input).toEqual({ Trigger: key, Message: '{"v":"bad"}' });
    await h.waitForLog((l) => l.msg.startsWith('Claimed 1 entry pending longer than 150ms'));
    await waitFor(async () => (await pending(key)) === 0);
    expect(seen.get('{"v":"good"}')).toBe(1);
  });

  it('deleteAfterProcess: XDEL after the ack, failed entries are kept', async () => {
    const key = `${uniquePrefix('stream')}s`;
    await redis.xAdd(key, '*', { v: 'keep' });
    await redis.xAdd(key, '*', { v: 'drop' });
    const h = await start({
      onEntry: stream(
        key,
        (m: Model) => {
          if (m.Message.includes('keep')) throw new Error('no');
        },
        { DeleteAfterProcess: true, pollingIntervalInMs: 10 },
      ),
    });
    await h.waitForInvocations(2);
    await waitFor(async () => (await redis.xLen(key)) === 1);
    const left = await redis.xRange(key, '-', '+');
    expect(left?.map((e) => e.message)).toEqual([{ v: 'keep' }]);
    expect(await pending(key)).toBe(1);
  });

  it('gives each function its own group, named after it: two functions on one stream each see every entry', async () => {
    const key = `${uniquePrefix('groups')}s`;
    await redis.xAdd(key, '*', { n: '1' });
    const h = await start({
      audit: stream(key, () => undefined, { pollingIntervalInMs: 10 }),
      billing: stream(key, () => undefined, { pollingIntervalInMs: 10 }),
      custom: stream(key, () => undefined, { pollingIntervalInMs: 10, consumerGroup: 'mine' }),
    });
    await redis.xAdd(key, '*', { n: '2' });
    for (const name of ['audit', 'billing', 'custom']) {
      const runs = await h.waitForInvocations(2, name);
      expect(runs.map((r) => (r.input as Model).Message).sort()).toEqual(['{"n":"1"}', '{"n":"2"}']);
    }
    expect((await redis.xInfoGroups(key)).map((g) => g.name).sort()).toEqual(['audit', 'billing', 'mine']);
    const started = await h.waitForLog((l) => l.msg.startsWith("Function 'billing' reads stream"));
    expect(started).toMatchObject({ group: 'billing' });
  });

  it('names the consumer WEBSITE_INSTANCE_ID when set; a second listener set in the process adds -1', async () => {
    const key = `${uniquePrefix('consumer')}s`;
    const functions = { onEntry: stream(key, () => undefined, { pollingIntervalInMs: 10 }) };
    const env = { WEBSITE_INSTANCE_ID: 'a1b2c3instance' };
    const first = await start(functions, { env });
    await redis.xAdd(key, '*', { n: '1' });
    await first.waitForInvocations(1);
    // A consumer joins the group with its first XREADGROUP that returns entries.
    expect((await redis.xInfoConsumers(key, GROUP)).map((c) => c.name)).toEqual(['a1b2c3instance']);
    const second = await start(functions, { env, instance: 1 });
    const started = await second.waitForLog((l) => l.msg.includes("in group 'onEntry' as consumer"));
    expect(started).toMatchObject({ group: 'onEntry', consumer: 'a1b2c3instance-1' });
  });

  it('a stream consumed under the old default group: the old group stays with its pending entries, the new one reads from 0', async () => {
    const key = `${uniquePrefix('oldgroup')}s`;
    const old = 'AzureFunctionRedisExtension';
    const ids = [await redis.xAdd(key, '*', { n: '1' }), await redis.xAdd(key, '*', { n: '2' })];
    await redis.xGroupCreate(key, old, '0');
    await redis.xReadGroup(old, 'earlier', { key, id: '>' }, { COUNT: 2 });
    await redis.xAck(key, old, ids[0] ?? ''); // one handled, one left pending by the earlier version
    const h = await start({ onEntry: stream(key, (m: Model) => m.Message, { pollingIntervalInMs: 10 }) });
    const runs = await h.waitForInvocations(2);
    expect(runs.map((r) => r.triggerMetadata['Id'])).toEqual(ids); // both run again, under the new group
    const groups = await redis.xInfoGroups(key);
    expect(groups.map((g) => [g.name, g.pending]).sort()).toEqual([
      [old, 1],
      ['onEntry', expect.any(Number) as unknown],
    ]);
  });

  it('reads several keys in one XREADGROUP; cardinality many hands an array per key', async () => {
    const p = uniquePrefix('stream');
    const [a, b] = [`${p}a`, `${p}b`];
    const h = await start({
      each: stream(`${a} ${b}`, () => undefined, { pollingIntervalInMs: 10, consumerGroup: 'each' }),
      many: stream(`${a} ${b}`, () => undefined, {
        pollingIntervalInMs: 10,
        consumerGroup: 'many',
        cardinality: 'many',
      }),
    });
    await h.waitForLog((l) => l.msg.includes("in group 'many'"));
    await redis.xAdd(a, '*', { n: '1' });
    await redis.xAdd(b, '*', { n: '2' });
    const each = await h.waitForInvocations(2, 'each');
    expect(each.map((r) => (r.input as Model).Trigger).sort()).toEqual([a, b]);
    await waitFor(async () => (await pending(a, 'many')) + (await pending(b, 'many')) === 0);
    const many = h.records.filter((r) => r.functionName === 'many');
    const delivered = many.flatMap((r) => r.input as Model[]);
    expect(delivered.map((m) => m.Trigger).sort()).toEqual([a, b]);
    expect(many[0]?.triggerMetadata).toMatchObject({ Count: expect.any(Number), Ids: expect.any(Array) });
  });

  it('claims the entries of a consumer that died, once idle for reclaimIdleMs', async () => {
    const key = `${uniquePrefix('stream')}s`;
    await redis.xGroupCreate(key, GROUP, '0', { MKSTREAM: true });
    for (let i = 0; i < 5; i++) await redis.xAdd(key, '*', { i: String(i) });
    const read = await redis.xReadGroup(GROUP, 'dead-consumer', { key, id: '>' }, { COUNT: 5 });
    expect(read?.[0]?.messages).toHaveLength(5);
    const h = await start({
      onEntry: stream(key, () => undefined, { reclaimIdleMs: 100, pollingIntervalInMs: 10 }),
    });
    const records = await h.waitForInvocations(5);
    expect(records.map((r) => (r.triggerMetadata['Values'] as { i: string }).i).sort()).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
    await waitFor(async () => (await pending(key)) === 0);
  });

  it('does not run an entry read ahead that another consumer claimed while the batch before it ran long', async () => {
    const key = `${uniquePrefix('stream')}s`;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await redis.xAdd(key, '*', { i: String(i) }));
    const [, , stolen = '', kept = ''] = ids;
    const onEntry = async (model: Model): Promise<void> => {
      if ((JSON.parse(model.Message) as { i: string }).i !== '0') return;
      // Batch [0, 1] runs long; meanwhile [2, 3] was read ahead, and another consumer claims entry 2.
      await waitFor(async () => (await redis.xPendingRange(key, GROUP, stolen, stolen, 1)).length === 1);
      await redis.xClaim(key, GROUP, 'another-consumer', 0, stolen);
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    const h = await start({ onEntry: stream(key, onEntry, { batchSize: 2, reclaimIdleMs: 400 }) });
    const records = await h.waitForInvocations(3);
    expect(records.map((r) => r.triggerMetadata['Id']).sort()).toEqual([ids[0], ids[1], kept].sort());
    expect(await redis.xPendingRange(key, GROUP, stolen, stolen, 1)).toMatchObject([
      { id: stolen, consumer: 'another-consumer' },
    ]);
    // Nothing is lost: once idle for reclaimIdleMs, the entry is claimed back from the consumer that took it.
    const all = await h.waitForInvocations(4);
    expect(all[3]?.triggerMetadata['Id']).toBe(stolen);
  });

  it.each(['polling', 'blocking'])(
    'recovers from NOGROUP after the stream was deleted: recreates the group and goes on (%s)',
    async (mode) => {
      const key = `${uniquePrefix('stream')}s`;
      const h = await start({
        onEntry: stream(key, () => undefined, { pollingIntervalInMs: 10, mode, reclaimIdleMs: 200 }),
      });
      await h.waitForLog((l) => l.msg.includes('as consumer'));
      await redis.del(key);
      await redis.xAdd(key, '*', { before: 'group' });
      await h.waitForLog(
        (l) => l.msg.startsWith("Polling for 'onEntry' failed") && String(l['err']).includes('NOGROUP'),
      );
      await redis.xAdd(key, '*', { after: 'group' });
      await h.waitForInvocations(2);
      expect(h.records.map((r) => r.triggerMetadata['Values'])).toEqual([
        { before: 'group' },
        { after: 'group' },
      ]);
    },
  );

  it('on close: a consumer with failed entries pending stays in the group (for reclaim)', async () => {
    const key = `${uniquePrefix('stream')}s`;
    const h = await start({
      onEntry: stream(
        key,
        () => {
          throw new Error('fails');
        },
        { pollingIntervalInMs: 10 },
      ),
    });
    await redis.xAdd(key, '*', { n: '1' });
    await h.waitForInvocations(1);
    await h.host.close();
    const consumers = await redis.xInfoConsumers(key, GROUP);
    expect(consumers.map((c) => c.pending)).toEqual([1]);
    expect(h.logs.some((l) => l.msg.includes('stays in group') && l['pending'] === 1)).toBe(true);
  });

  it('blocking mode: delivered without polling, and close releases the blocked read promptly', async () => {
    const key = `${uniquePrefix('stream')}s`;
    const h = await start(
      { onEntry: stream(key, () => undefined, { pollingIntervalInMs: 60_000 }) },
      { hostJson: { extensions: { redis: { streams: { mode: 'blocking', reclaimIdleMs: 60_000 } } } } },
    );
    await h.waitForLog((l) => l.msg.includes('(blocking,'));
    await redis.xAdd(key, '*', { n: '1' });
    await h.waitForInvocations(1);
    await redis.xAdd(key, '*', { n: '2' });
    await h.waitForInvocations(2);
    const before = Date.now();
    await h.host.close();
    expect(Date.now() - before).toBeLessThan(2000); // the BLOCK would last 5 s
  });

  it('on close: finishes the batch in flight, acks it, and deletes the consumer when nothing is pending', async () => {
    const key = `${uniquePrefix('stream')}s`;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = await start({ onEntry: stream(key, () => gate, { pollingIntervalInMs: 10 }) });
    await redis.xAdd(key, '*', { n: '1' });
    await h.waitForLog((l) => l.msg.startsWith("Executing 'Functions.onEntry'"));
    const closed = h.host.close();
    release();
    await closed;
    expect(h.records.map((r) => r.status)).toEqual(['succeeded']);
    expect(await pending(key)).toBe(0);
    expect(await redis.xInfoConsumers(key, GROUP)).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
