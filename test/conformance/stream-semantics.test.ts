import { trigger } from '@azure/functions';
import { uniquePrefix } from '../support/redis-server';
import { eventually, memoryHarness, redisHarness, type Harness, type HarnessFactory } from './harness';

/** Stream details on both brokers: entry ids, and the pending entries list over time. */
describe.each([
  ['in-memory broker', memoryHarness],
  ['real redis-server', redisHarness],
] as [string, HarnessFactory][])('stream semantics on the %s', (_name, make) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('XADD ids: explicit, <ms>-*, a bare millisecond, and ids not above the last one refused', async () => {
    const p = uniquePrefix('conf-xadd-ids');
    const x = (h = await make({}));
    expect(await x.xadd(`${p}s`, { f: '1' }, '5-1')).toBe('5-1');
    expect(await x.xadd(`${p}s`, { f: '2' }, '5-*')).toBe('5-2');
    expect(await x.xadd(`${p}s`, { f: '3' }, '7')).toBe('7-0');
    expect(await x.xadd(`${p}s`, { f: '4' }, '8-*')).toBe('8-0');
    await expect(x.xadd(`${p}s`, { f: '5' }, '6-0')).rejects.toThrow(
      'equal or smaller than the target stream top item',
    );
    await expect(x.xadd(`${p}t`, { f: '6' }, '0-0')).rejects.toThrow('must be greater than 0-0');
    expect(await x.entries(`${p}t`)).toEqual([]);
    const [ms, seq] = (await x.xadd(`${p}s`, { f: '7' })).split('-').map(Number);
    expect([ms && ms > 8, seq]).toEqual([true, 0]);
  });
  it('a failed entry stays pending, is reclaimed once idle and delivered again, then acked', async () => {
    const p = uniquePrefix('conf-reclaim');
    let calls = 0;
    const x = (h = await make({
      again: {
        trigger: trigger.generic({
          type: 'redisStreamTrigger',
          connection: 'RedisConnectionString',
          key: `${p}s`,
          pollingIntervalInMs: 20,
          reclaimIdleMs: 150,
          deadLetter: false,
        }),
        handler: (() => {
          if (calls++ === 0) throw new Error('first time');
        }) as never,
      },
    }));
    const id = await x.xadd(`${p}s`, { n: '1' });
    await eventually(() => x.pending(`${p}s`), [id]);
    const records = await x.settle(2);
    expect(records.map((r) => [r.status, (r.triggerMetadata as { Id: string }).Id])).toEqual([
      ['failed', id],
      ['succeeded', id],
    ]);
    await eventually(() => x.pending(`${p}s`), []);
  });
});
