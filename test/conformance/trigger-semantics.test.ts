import { trigger } from '@azure/functions';
import { uniquePrefix } from '../support/redis-server';
import { eventually, memoryHarness, redisHarness, type Harness, type HarnessFactory } from './harness';

/** One suite, two brokers: the in-memory one must follow the rules a real Redis follows. */
describe.each([
  ['in-memory broker', memoryHarness],
  ['real redis-server', redisHarness],
] as [string, HarnessFactory][])('trigger semantics on the %s', (_name, make) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = async (...args: Parameters<HarnessFactory>): Promise<Harness> => (h = await make(...args));
  const def = (
    type: string,
    options: Record<string, unknown>,
    handler: (input: never) => unknown = () => undefined,
  ) => ({
    trigger: trigger.generic({ type, connection: 'RedisConnectionString', ...options }),
    handler: handler as never,
  });
  const messages = (records: readonly { input: unknown }[]) =>
    records.map((r) => (r.input as { Message: string }).Message);

  it('Pub/Sub: glob patterns match as Redis matches them, exact channels only themselves', async () => {
    const p = uniquePrefix('conf-glob').replace(/[[\]*?\\]/g, '_');
    const x = await start({
      classes: def('redisPubSubTrigger', { channel: `${p}[a-c]?:[^z]*` }),
      escaped: def('redisPubSubTrigger', { channel: `${p}lit\\*` }),
      exact: def('redisPubSubTrigger', { channel: `${p}b1:x`, pattern: false }),
    });
    expect(await x.publish(`${p}b1:x`, 'm1')).toBe(2);
    expect(await x.publish(`${p}d1:x`, 'm2')).toBe(0);
    expect(await x.publish(`${p}a9:zz`, 'm3')).toBe(0);
    expect(await x.publish(`${p}c:q`, 'm4')).toBe(0);
    expect(await x.publish(`${p}lit*`, 'm5')).toBe(1);
    expect(await x.publish(`${p}litX`, 'm6')).toBe(0);
    const records = await x.settle(3);
    expect(messages(records).sort()).toEqual(['m1', 'm1', 'm5']);
  });

  it('Pub/Sub: keyevent notifications carry the key', async () => {
    const p = uniquePrefix('conf-keyevent');
    const x = await start({
      onDel: def('redisPubSubTrigger', { channel: '__keyevent@0__:del' }, () => undefined),
    });
    await x.set(`${p}k`, 'v');
    await x.del(`${p}k`);
    const records = await x.settle(1);
    expect(messages(records)).toContain(`${p}k`);
  });

  it('Lists: each element once, as the model { Trigger: key, Message: element }, in push order per key', async () => {
    const p = uniquePrefix('conf-list');
    const x = await start({
      pop: def('redisListTrigger', {
        keys: `${p}a ${p}b`,
        batchSize: 2,
        pollingIntervalInMs: 50,
        concurrency: 1,
      }),
    });
    await x.rpush(`${p}a`, 'a1', 'a2', 'a3');
    await x.rpush(`${p}b`, 'b1');
    const records = await x.settle(4);
    const inputs = records.map((r) => r.input as { Trigger: string; Message: string });
    expect(inputs.filter((i) => i.Trigger === `${p}a`).map((i) => i.Message)).toEqual(['a1', 'a2', 'a3']);
    expect(inputs.filter((i) => i.Trigger === `${p}b`).map((i) => i.Message)).toEqual(['b1']);
    expect(records[0]?.triggerMetadata).toEqual({ Key: `${p}a`, Value: 'a1' });
    expect(await x.list(`${p}a`)).toEqual([]);
  });

  it('Lists: listDirection right pops the tail first; cardinality many hands over the batch', async () => {
    const p = uniquePrefix('conf-list-right');
    const x = await start({
      many: def('redisListTrigger', {
        key: `${p}r`,
        listDirection: 'right',
        maxBatchSize: 10,
        cardinality: 'many',
        pollingIntervalInMs: 50,
      }),
    });
    await x.rpush(`${p}r`, '1', '2', '3');
    const [record] = await x.settle(1);
    expect(record?.input).toEqual([
      { Trigger: `${p}r`, Message: '3' },
      { Trigger: `${p}r`, Message: '2' },
      { Trigger: `${p}r`, Message: '1' },
    ]);
  });

  it('Streams: ack on success, failures stay pending, deleteAfterProcess deletes', async () => {
    const p = uniquePrefix('conf-stream');
    const x = await start({
      entries: def(
        'redisStreamTrigger',
        { key: `${p}s`, pollingIntervalInMs: 50, reclaimIdleMs: 600000 },
        (m: { Message: string }) => {
          if (m.Message.includes('bad')) throw new Error('refused');
        },
      ),
      deleting: def('redisStreamTrigger', {
        key: `${p}d`,
        pollingIntervalInMs: 50,
        deleteAfterProcess: true,
      }),
    });
    await x.xadd(`${p}s`, { ok: '1' });
    const bad = await x.xadd(`${p}s`, { bad: '1' });
    await x.xadd(`${p}d`, { gone: '1' });
    const records = await x.settle(3);
    const byMessage = (a: { input: unknown }, b: { input: unknown }) =>
      JSON.stringify(a.input).localeCompare(JSON.stringify(b.input));
    expect(
      records
        .filter((r) => r.functionName === 'entries')
        .sort(byMessage)
        .map((r) => [r.input, r.status]),
    ).toEqual([
      [{ Trigger: `${p}s`, Message: '{"bad":"1"}' }, 'failed'],
      [{ Trigger: `${p}s`, Message: '{"ok":"1"}' }, 'succeeded'],
    ]);
    expect(records.find((r) => r.functionName === 'entries')?.triggerMetadata).toMatchObject({
      Key: `${p}s`,
    });
    await eventually(() => x.pending(`${p}s`), [bad]);
    await eventually(() => x.pending(`${p}d`), []);
  });

  it('Streams: the instances of one group divide the entries, each handled once', async () => {
    const p = uniquePrefix('conf-split');
    const x = await start(
      { split: def('redisStreamTrigger', { key: `${p}s`, batchSize: 5, pollingIntervalInMs: 20 }) },
      { instances: 3 },
    );
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await x.xadd(`${p}s`, { n: String(i) }));
    const records = await x.settle(60);
    const seen = records.map((r) => (r.triggerMetadata as { Id: string }).Id).sort();
    expect(seen).toEqual([...ids].sort());
    await eventually(() => x.pending(`${p}s`), []);
  });

  it('Disabled functions do not run: AzureWebJobs.<name>.Disabled subscribes nothing', async () => {
    const p = uniquePrefix('conf-disabled');
    const x = await start(
      {
        on: def('redisPubSubTrigger', { channel: `${p}c` }),
        off: def('redisPubSubTrigger', { channel: `${p}c` }),
      },
      { settings: { 'AzureWebJobs.off.Disabled': 'true' } },
    );
    expect(await x.publish(`${p}c`, 'x')).toBe(1);
    expect((await x.settle(1)).map((r) => r.functionName)).toEqual(['on']);
  });

  it('host.json functionTimeout fails a handler that runs too long; the subscription then runs its next message', async () => {
    const p = uniquePrefix('conf-timeout');
    const x = await start(
      {
        slow: def('redisPubSubTrigger', { channel: `${p}c`, pattern: false }, (m: { Message: string }) =>
          m.Message === 'hang' ? new Promise(() => undefined) : m.Message,
        ),
      },
      { hostJson: { functionTimeout: '00:00:00.200' } },
    );
    await x.publish(`${p}c`, 'hang');
    await x.publish(`${p}c`, 'quick');
    const records = await x.settle(2);
    expect(records.map((r) => [(r.input as { Message: string }).Message, r.status])).toEqual([
      ['hang', 'failed'],
      ['quick', 'succeeded'],
    ]);
    expect(String(records[0]?.error)).toMatch(/timeout|timed out/i);
  });

  it('Streams: cardinality many hands a batch of entries to one invocation, acked together', async () => {
    const p = uniquePrefix('conf-stream-many');
    const x = await start({
      batch: def('redisStreamTrigger', {
        key: `${p}s`,
        maxBatchSize: 10,
        cardinality: 'many',
        pollingIntervalInMs: 50,
        reclaimIdleMs: 600000,
      }),
    });
    await x.xadd(`${p}s`, { n: '1' });
    await x.xadd(`${p}s`, { n: '2' });
    const records = await x.settle(1);
    const all = records.flatMap((r) => r.input as { Message: string }[]).map((m) => m.Message);
    expect(all).toEqual(['{"n":"1"}', '{"n":"2"}']);
    await eventually(() => x.pending(`${p}s`), []);
  });

  it('Streams: after the last retry an entry goes to the dead-letter stream, and never blocks the next', async () => {
    const p = uniquePrefix('conf-dlq');
    const x = await start({
      poison: {
        ...def(
          'redisStreamTrigger',
          { key: `${p}s`, pollingIntervalInMs: 50, concurrency: 1, batchSize: 1 },
          (m: { Message: string }) => {
            if (m.Message.includes('poison')) throw new Error('cannot handle poison');
          },
        ),
        retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 10 },
      },
    });
    const poisonId = await x.xadd(`${p}s`, { kind: 'poison' });
    await x.xadd(`${p}s`, { kind: 'fine' });
    const records = await x.settle(4);
    expect(records.map((r) => [(r.input as { Message: string }).Message, r.status, r.attempt])).toEqual([
      ['{"kind":"poison"}', 'failed', 1],
      ['{"kind":"poison"}', 'failed', 2],
      ['{"kind":"poison"}', 'failed', 3],
      ['{"kind":"fine"}', 'succeeded', 1],
    ]);
    await eventually(() => x.pending(`${p}s`), []);
    await eventually(
      async () =>
        (await x.entries(`${p}s:deadletter`)).map((e) => [
          e['id'],
          e['function'],
          e['attempts'],
          e['error'],
          e['fields'],
        ]),
      [[poisonId, 'poison', '3', 'cannot handle poison', '{"kind":"poison"}']],
    );
  });

  it('Streams: a NonRetryableError dead-letters at once; with deadLetter: false the entry stays pending', async () => {
    const p = uniquePrefix('conf-nonretry');
    const fail = () => {
      const error = new Error('malformed');
      error.name = 'NonRetryableError';
      throw error;
    };
    const x = await start({
      now: def(
        'redisStreamTrigger',
        { key: `${p}a`, pollingIntervalInMs: 50, deadLetterKey: `${p}dead:{key}` },
        fail,
      ),
      keep: def(
        'redisStreamTrigger',
        { key: `${p}b`, pollingIntervalInMs: 50, deadLetter: false, reclaimIdleMs: 600000 },
        fail,
      ),
    });
    await x.xadd(`${p}a`, { n: '1' });
    const kept = await x.xadd(`${p}b`, { n: '2' });
    const records = await x.settle(2);
    expect(records.map((r) => r.attempt)).toEqual([1, 1]);
    await eventually(async () => (await x.entries(`${p}dead:${p}a`)).length, 1);
    await eventually(() => x.pending(`${p}a`), []);
    await eventually(() => x.pending(`${p}b`), [kept]);
  });

  it('Reliable lists: a failure runs again; after the last retry the element goes to the dead-letter list', async () => {
    const p = uniquePrefix('conf-list-dlq');
    let flaky = 0;
    const x = await start({
      jobs: {
        ...def(
          'redisListTrigger',
          { key: `${p}q`, reliable: true, pollingIntervalInMs: 50, concurrency: 1 },
          (m: { Message: string }) => {
            if (m.Message === 'poison') throw new Error('never');
            if (m.Message === 'flaky' && flaky++ === 0) throw new Error('once');
          },
        ),
        retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 10 },
      },
    });
    await x.rpush(`${p}q`, 'poison', 'flaky', 'fine');
    const records = await x.settle(5);
    expect(records.map((r) => [(r.input as { Message: string }).Message, r.status])).toEqual([
      ['poison', 'failed'],
      ['poison', 'failed'],
      ['flaky', 'failed'],
      ['flaky', 'succeeded'],
      ['fine', 'succeeded'],
    ]);
    await eventually(
      async () => (await x.list(`${p}q:deadletter`)).map((v) => JSON.parse(v) as unknown),
      [{ value: 'poison', key: `${p}q`, function: 'jobs', error: 'never', attempts: 2 }],
    );
    await eventually(() => x.list(`${p}q`), []);
  });
});
