import { trigger } from '@azure/functions';
import { uniquePrefix } from '../support/redis-server';
import { memoryHarness, redisHarness, type Harness, type HarnessFactory } from './harness';

/** Pub/Sub details where a hand-written broker drifts most easily: glob edge cases and receiver counts. */
describe.each([
  ['in-memory broker', memoryHarness],
  ['real redis-server', redisHarness],
] as [string, HarnessFactory][])('Pub/Sub semantics on the %s', (_name, make) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = async (...args: Parameters<HarnessFactory>): Promise<Harness> => (h = await make(...args));
  const sub = (channel: string, pattern = true) => ({
    trigger: trigger.generic({
      type: 'redisPubSubTrigger',
      connection: 'RedisConnectionString',
      channel,
      pattern,
    }),
    handler: (() => undefined) as never,
  });
  const prefix = (name: string) => uniquePrefix(name).replace(/[[\]*?\\^-]/g, '_');

  it('glob edge cases: escapes inside classes, ranges running into `]`, unclosed classes', async () => {
    const p = prefix('conf-glob-edge');
    const x = await start({
      escapedRange: sub(`${p}1[\\a-c]`),
      dashRange: sub(`${p}2[a-]x`),
      unclosed: sub(`${p}3[abc`),
      anyByte: sub(`${p}4[^]x`),
    });
    const counts = [];
    for (const channel of ['1b', '1-', '1c', '2_x', '2ax', '3b', '3[', '4]x', '4ax']) {
      counts.push([channel, await x.publish(`${p}${channel}`, channel)]);
    }
    expect(counts).toEqual([
      ['1b', 0],
      ['1-', 1],
      ['1c', 1],
      ['2_x', 0],
      ['2ax', 0],
      ['3b', 1],
      ['3[', 0],
      ['4]x', 1],
      ['4ax', 1],
    ]);
    await x.settle(5);
  });

  it('patterns match UTF-8 bytes: `?` is one byte, not one character', async () => {
    const p = prefix('conf-glob-utf8');
    const x = await start({ one: sub(`${p}h?llo`), two: sub(`${p}h??llo`) });
    expect(await x.publish(`${p}héllo`, 'm')).toBe(1);
    const [record] = await x.settle(1);
    expect(record?.functionName).toBe('two');
    expect((record?.input as { Trigger: string }).Trigger).toBe(`${p}héllo`);
  });

  it('functions sharing one subscription on a connection count as one receiver, and each runs', async () => {
    const p = prefix('conf-shared');
    const x = await start({
      a: sub(`${p}c`, false),
      b: sub(`${p}c`, false),
      c: sub(`${p}*`),
      d: sub(`${p}*`),
    });
    expect(await x.publish(`${p}c`, 'm')).toBe(2);
    const records = await x.settle(4);
    expect(records.map((r) => r.functionName).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('every instance receives every message (one subscription per instance)', async () => {
    const p = prefix('conf-instances');
    const x = await start({ all: sub(`${p}c`, false) }, { instances: 2 });
    expect(await x.publish(`${p}c`, 'm')).toBe(2);
    expect((await x.settle(2)).map((r) => r.functionName)).toEqual(['all', 'all']);
  });
});
