import { RedisStreamPort, type ClaimStrategy } from '../../src/redis/redis-stream-port';
import { redisForSuite } from '../support/redis-for-suite';
import { uniquePrefix } from '../support/redis-server';

const suite = redisForSuite();
const { redis } = suite;

const port = (claimStrategy: ClaimStrategy = 'auto'): RedisStreamPort =>
  new RedisStreamPort(suite.connections, 'Redis', { claimStrategy });

describe('RedisStreamPort (node-redis adapter of StreamPort)', () => {
  it('creates a group once (BUSYGROUP is not an error), reads new entries of several keys, acks, deletes', async () => {
    const p = uniquePrefix('port');
    const streams = port();
    expect(await streams.createGroup(`${p}a`, 'g', '0')).toBe(true);
    expect(await streams.createGroup(`${p}a`, 'g', '0')).toBe(false);
    await streams.createGroup(`${p}b`, 'g', '0');
    const idA = await redis.xAdd(`${p}a`, '*', { f: 'v' });
    const idB = await redis.xAdd(`${p}b`, '*', { x: '1', y: '2' });
    const read = await streams.readGroup({ keys: [`${p}a`, `${p}b`], group: 'g', consumer: 'c', count: 10 });
    expect(read).toEqual([
      { key: `${p}a`, id: idA, fields: { f: 'v' } },
      { key: `${p}b`, id: idB, fields: { x: '1', y: '2' } },
    ]);
    expect(await streams.readGroup({ keys: [`${p}a`], group: 'g', consumer: 'c', count: 10 })).toEqual([]);
    expect(await streams.pendingCount(`${p}a`, 'g', 'c')).toBe(1);
    expect(await streams.pendingCount(`${p}a`, 'g', 'other')).toBe(0);
    expect(await streams.ack(`${p}a`, 'g', [idA])).toBe(1);
    expect(await streams.deleteEntries(`${p}a`, [idA])).toBe(1);
    expect(await streams.deleteConsumer(`${p}b`, 'g', 'c')).toBe(1);
    expect(await streams.serverVersion()).toMatch(/^\d+\.\d+/);
  });

  it.each<ClaimStrategy>(['xautoclaim', 'xclaim'])(
    'claims only entries idle for minIdleMs, from any consumer, page by page (%s)',
    async (strategy) => {
      const key = `${uniquePrefix('port')}s`;
      const streams = port(strategy);
      await streams.createGroup(key, 'g', '0');
      for (let i = 0; i < 5; i++) await redis.xAdd(key, '*', { i: String(i) });
      await streams.readGroup({ keys: [key], group: 'g', consumer: 'dead', count: 5 });
      const base = { key, group: 'g', consumer: 'alive', count: 3 };
      const none = await streams.claimIdle({ ...base, minIdleMs: 60_000, cursor: '0-0' });
      expect(none.entries).toEqual([]);
      const first = await streams.claimIdle({ ...base, minIdleMs: 0, cursor: '0-0' });
      expect(first.entries.map((e) => e.fields['i'])).toEqual(['0', '1', '2']);
      expect(first.cursor).not.toBe('0-0');
      const second = await streams.claimIdle({ ...base, minIdleMs: 0, cursor: first.cursor });
      expect(second.entries.map((e) => e.fields['i'])).toEqual(['3', '4']);
      expect(second.cursor).toBe('0-0');
      expect(await streams.pendingCount(key, 'g', 'alive')).toBe(5);
      expect(await streams.pendingCount(key, 'g', 'dead')).toBe(0);
    },
  );

  it('a blocking read waits for an entry, and aborting releases it at once', async () => {
    const key = `${uniquePrefix('port')}s`;
    const streams = port();
    await streams.createGroup(key, 'g', '0');
    const abort = new AbortController();
    const request = { keys: [key], group: 'g', consumer: 'blocker', count: 10, blockMs: 10_000 };
    const waiting = streams.readGroup({ ...request, signal: abort.signal });
    await redis.xAdd(key, '*', { n: '1' });
    expect((await waiting).map((e) => e.fields)).toEqual([{ n: '1' }]);
    const blocked = streams.readGroup({ ...request, signal: abort.signal });
    const started = Date.now();
    abort.abort();
    await blocked.catch(() => undefined);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await streams.readGroup({ ...request, signal: abort.signal })).toEqual([]);
  });
});
