import { trigger } from '@azure/functions';
import { uniquePrefix } from '../support/redis-server';
import { eventually, memoryHarness, redisHarness, type Harness, type HarnessFactory } from './harness';

/** Keyspace notifications raised by writes and by the listeners' own reads, on both brokers. */
describe.each([
  ['in-memory broker', memoryHarness],
  ['real redis-server', redisHarness],
] as [string, HarnessFactory][])('keyspace notifications on the %s', (_name, make) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const def = (type: string, options: Record<string, unknown>) => ({
    trigger: trigger.generic({ type, connection: 'RedisConnectionString', ...options }),
    handler: (() => undefined) as never,
  });
  /** The events seen on one key's keyspace channel, in order. */
  const eventsOf = (x: Harness, key: string) => () =>
    Promise.resolve(
      x.invocations
        .filter((r) => r.functionName === 'events')
        .map((r) => r.input as { Trigger: string; Message: string })
        .filter((m) => m.Trigger === `__keyspace@0__:${key}`)
        .map((m) => m.Message),
    );

  it('set, del, and the pops of a list trigger (one per LMPOP, del when the list empties)', async () => {
    const p = uniquePrefix('conf-keyspace');
    const x = (h = await make({
      events: def('redisPubSubTrigger', { channel: `__keyspace@0__:${p}*` }),
      items: def('redisListTrigger', { key: `${p}l`, maxBatchSize: 10, pollingIntervalInMs: 50 }),
    }));
    await x.set(`${p}k`, 'v');
    await x.del(`${p}k`);
    await x.del(`${p}k`);
    await x.rpush(`${p}l`, 'a', 'b', 'c');
    await eventually(eventsOf(x, `${p}k`), ['set', 'del']);
    await eventually(eventsOf(x, `${p}l`), ['rpush', 'lpop', 'del']);
  });

  it('xadd, and xdel of a stream trigger with deleteAfterProcess', async () => {
    const p = uniquePrefix('conf-keyspace-stream');
    const x = (h = await make({
      events: def('redisPubSubTrigger', { channel: `__keyspace@0__:${p}*` }),
      entries: def('redisStreamTrigger', { key: `${p}s`, pollingIntervalInMs: 50, deleteAfterProcess: true }),
    }));
    await x.xadd(`${p}s`, { f: 'v' });
    const writes = async () => (await eventsOf(x, `${p}s`)()).filter((e) => e === 'xadd' || e === 'xdel');
    await eventually(writes, ['xadd', 'xdel']);
  });
});
