import pino from 'pino';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { RedisConnections } from '../../src/redis/connections';
import { RedisBroker } from '../../src/redis/redis-broker';
import { listTrigger, type ListTriggerOptions } from '../../src/triggers/list';
import { listFunction, listTestContext, waitFor, type Model } from '../support/list-host';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const { redis, start } = listTestContext();

const values = (records: { input: unknown }[]): string[] => records.map((r) => (r.input as Model).Message);

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** The invocation count and duration sum of a function, from the host's Prometheus text. */
async function durations(h: { host: { metrics?: { text(): Promise<string> } } }, name: string) {
  const text = (await h.host.metrics?.text()) ?? '';
  const read = (what: string): number =>
    Number(
      new RegExp(`redis_func_invocation_duration_seconds_${what}\\{function="${name}"\\} (\\S+)`).exec(
        text,
      )?.[1],
    );
  return { count: read('count'), sumSeconds: read('sum') };
}

describe('RedisListTrigger on a real Redis (plain pops)', () => {
  it('runs batches of synchronous handlers as redis-func start does: each element once, in order, durations each its own', async () => {
    const key = `${uniquePrefix('list')}quick`;
    const seen: string[] = [];
    let allSeen: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    const pushed = Array.from({ length: 1000 }, (_, i) => String(i));
    const h = await start(
      {
        quick: listFunction(
          key,
          (m: Model) => {
            seen.push(m.Message);
            if (m.Message.endsWith('7')) busyFor(2); // 100 elements of 2 ms among quick ones
            if (seen.length === pushed.length) allSeen();
          },
          { batchSize: 50, pollingIntervalInMs: 20 },
        ),
      },
      { records: false, hostJson: { logging: { logLevel: { default: 'Warning' } } } },
    );
    const started = performance.now();
    await redis.rPush(key, pushed);
    await done;
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(seen).toEqual(pushed); // synchronous handlers of a single key run in order
    const { count, sumSeconds } = await durations(h, 'quick');
    expect(count).toBe(1000);
    // each busy element counts its 2 ms once; no duration takes in time outside the handlers' runs
    expect(sumSeconds).toBeGreaterThanOrEqual(0.2);
    expect(sumSeconds).toBeLessThanOrEqual(elapsedSeconds);
  });

  it('keeps the polling pauses between batches out of the durations of quick handlers', async () => {
    const key = `${uniquePrefix('list')}paused`;
    let handled = 0;
    const h = await start(
      { paused: listFunction(key, () => void handled++, { batchSize: 50, pollingIntervalInMs: 20 }) },
      { records: false, hostJson: { logging: { logLevel: { default: 'Warning' } } } },
    );
    for (let round = 1; round <= 3; round++) {
      await redis.rPush(key, ['a', 'b', 'c', 'd', 'e']); // short batches: the loop pauses between them
      await waitFor(() => Promise.resolve(handled === round * 5), 'the round');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const { count, sumSeconds } = await durations(h, 'paused');
    expect(count).toBe(15);
    expect(sumSeconds).toBeLessThan(0.1); // a reading from before a 150 ms pause would count it
  });

  it('hands each element as { Trigger, Message } with metadata { Key, Value }; keys from %Setting%', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    await redis.rPush(key, ['a', 'b']);
    const h = await start(
      { onJob: listFunction('%JobsKey%', () => undefined, { pollingIntervalInMs: 20, concurrency: 1 }) },
      { env: { JobsKey: key } },
    );
    const records = await h.waitForInvocations(2);
    expect(records.map((r) => r.input)).toEqual([
      { Trigger: key, Message: 'a' },
      { Trigger: key, Message: 'b' },
    ]);
    expect(records[0]?.triggerMetadata).toEqual({ Key: key, Value: 'a' });
    await h.waitForLog((l) => l.msg.startsWith("Executed 'Functions.onJob' (Succeeded"));
    expect(await redis.lLen(key)).toBe(0);
    const started = await h.waitForLog((l) => l.msg.includes('pops list(s)'));
    expect(started.msg).toContain('(polling, batch 10, lmpop)');
  });

  it('pops several keys with LMPOP; 1.x names key, maxBatchSize, listDirection right', async () => {
    const p = uniquePrefix('list');
    const [a, b] = [`${p}a`, `${p}b`];
    await redis.rPush(a, ['a1', 'a2', 'a3']);
    await redis.rPush(b, ['b1']);
    const h = await start({
      many: listFunction(`${a} ${b}`, () => undefined, { pollingIntervalInMs: 20, concurrency: 1 }),
      tail: listFunction('', () => undefined, {
        keys: undefined,
        key: `${p}tail`,
        maxBatchSize: 2,
        listDirection: 'right',
        pollingIntervalInMs: 20,
        concurrency: 1,
      }),
      preview: listFunction(`${p}prev`, () => undefined, {
        listPopFromBeginning: false,
        pollingIntervalInMs: 20,
        concurrency: 1,
      }),
    });
    expect(values(await h.waitForInvocations(4, 'many'))).toEqual(['a1', 'a2', 'a3', 'b1']);
    await redis.rPush(`${p}tail`, ['t1', 't2', 't3']);
    expect(values(await h.waitForInvocations(3, 'tail'))).toEqual(['t3', 't2', 't1']);
    await redis.rPush(`${p}prev`, ['p1', 'p2']);
    expect(values(await h.waitForInvocations(2, 'preview'))).toEqual(['p2', 'p1']);
  });

  it('a full batch polls again at once; only a short poll waits pollingIntervalInMs', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    await redis.rPush(
      key,
      Array.from({ length: 23 }, (_, i) => `e${i}`),
    );
    // 60 s between polls: 23 elements in batches of 5 are only all handled if full batches do not wait.
    const h = await start({
      onJob: listFunction(key, () => undefined, { batchSize: 5, pollingIntervalInMs: 60_000 }),
    });
    const records = await h.waitForInvocations(23);
    expect(new Set(values(records)).size).toBe(23);
    await redis.rPush(key, 'late');
    expect(await redis.lLen(key)).toBe(1); // the short batch (3) started the 60 s wait
    expect(h.records).toHaveLength(23);
  });

  it("cardinality 'many': one invocation per key and batch with an array; metadata Key, Count, Values", async () => {
    const p = uniquePrefix('list');
    const [a, b] = [`${p}a`, `${p}b`];
    await redis.rPush(a, ['1', '2', '3']);
    const h = await start({
      batch: listFunction(`${a} ${b}`, () => undefined, {
        cardinality: 'many',
        batchSize: 10,
        pollingIntervalInMs: 20,
      }),
    });
    const [record] = await h.waitForInvocations(1);
    expect(record?.input).toEqual([
      { Trigger: a, Message: '1' },
      { Trigger: a, Message: '2' },
      { Trigger: a, Message: '3' },
    ]);
    expect(record?.triggerMetadata).toEqual({ Key: a, Count: 3, Values: ['1', '2', '3'] });
  });

  it('runs a batch concurrently, at most `concurrency` invocations at once', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    await redis.rPush(
      key,
      Array.from({ length: 12 }, (_, i) => String(i)),
    );
    let running = 0;
    let most = 0;
    const h = await start({
      onJob: listFunction(
        key,
        async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
        },
        { batchSize: 12, concurrency: 3, pollingIntervalInMs: 20 },
      ),
    });
    await h.waitForInvocations(12);
    expect(most).toBe(3);
  });

  it('plain pops are at-most-once: a failed element is gone, with a warning', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    await redis.rPush(key, ['bad', 'good']);
    const h = await start({
      onJob: listFunction(
        key,
        (m: Model) => {
          if (m.Message === 'bad') throw new Error('no');
        },
        { pollingIntervalInMs: 20 },
      ),
    });
    const records = await h.waitForInvocations(2);
    expect(records.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
    const warning = await h.waitForLog((l) => l.msg.includes('lost (list pops are at-most-once'));
    expect(warning['failed']).toBe(1);
    expect(warning.msg).toBe(
      "1 element of 'onJob' failed and is lost (list pops are at-most-once). To keep failed elements: add a " +
        "retry policy (retry in the function's options or host.json) to retry them in-process, or set " +
        'reliable: true to leave them on a processing list until they succeed.',
    );
    expect(await redis.lLen(key)).toBe(0);
  });

  it('polling errors (WRONGTYPE) are logged and retried with backoff; the loop goes on', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    await redis.set(key, 'not a list');
    const h = await start({ onJob: listFunction(key, () => undefined, { pollingIntervalInMs: 20 }) });
    const failed = await h.waitForLog((l) => l.msg.startsWith("Polling for 'onJob' failed"));
    expect(String(failed['err'])).toContain('WRONGTYPE');
    await redis.del(key);
    await redis.rPush(key, 'after');
    const [record] = await h.waitForInvocations(1);
    expect((record?.input as Model).Message).toBe('after');
    await h.waitForLog((l) => l.msg.startsWith("Polling for 'onJob' recovered"));
  });

  it('blocking mode from host.json: handled without polling; close releases the blocked read promptly', async () => {
    const key = `${uniquePrefix('list')}jobs`;
    const h = await start(
      { onJob: listFunction(key, () => undefined, { pollingIntervalInMs: 60_000 }) },
      { hostJson: { extensions: { redis: { lists: { mode: 'blocking' } } } } },
    );
    await h.waitForLog((l) => l.msg.includes('(blocking,'));
    await redis.lPush(key, 'one');
    await h.waitForInvocations(1);
    await redis.lPush(key, 'two');
    await h.waitForInvocations(2);
    const before = Date.now();
    await h.host.close();
    expect(Date.now() - before).toBeLessThan(1000); // a BLMPOP waits 5 s
  });

  it("blocking mode per function (mode: 'blocking') over several keys, batches via BLMPOP", async () => {
    const p = uniquePrefix('list');
    const h = await start({
      onJob: listFunction(`${p}a ${p}b`, () => undefined, { mode: 'blocking', pollingIntervalInMs: 60_000 }),
    });
    await h.waitForLog((l) => l.msg.includes('(blocking,'));
    await redis.rPush(`${p}b`, ['b1', 'b2']);
    await redis.rPush(`${p}a`, ['a1']);
    const records = await h.waitForInvocations(3);
    expect(values(records).sort()).toEqual(['a1', 'b1', 'b2']);
  });
});

describe('RedisListTrigger scale sample', () => {
  it('backlog is LLEN over the keys, divided by maxBatchSize, or by messagesPerWorker when set', async () => {
    const p = uniquePrefix('list');
    await redis.rPush(`${p}a`, ['1', '2']);
    await redis.rPush(`${p}b`, ['3']);
    const connections = new RedisConnections({
      settings: new Settings(EMPTY_LOCAL_SETTINGS, { R: redisUrl() }),
      logger: pino({ level: 'silent' }),
      embeddedDefault: false,
    });
    const broker = new RedisBroker(connections);
    const options = { keys: [`${p}a`, `${p}b`], batchSize: 16, messagesPerWorker: undefined };
    const sample = (o: object) => listTrigger.scaleSample?.(o as ListTriggerOptions, broker.ports('R'));
    await expect(sample(options)).resolves.toEqual({
      backlog: 3,
      perInstance: 16,
      perInstanceFrom: 'maxBatchSize',
    });
    await expect(sample({ ...options, messagesPerWorker: 7 })).resolves.toEqual({
      backlog: 3,
      perInstance: 7,
      perInstanceFrom: 'messagesPerWorker',
    });
    await broker.close();
  });
});
