import { RedisStreamPort } from '../../src/redis/redis-stream-port';
import { MemoryStore } from '../../src/testing/memory-store';
import { MemoryStreamPort } from '../../src/testing/memory-streams';
import type { StreamPort } from '../../src/triggers/ports';
import { redisForSuite } from '../support/redis-for-suite';
import { uniquePrefix } from '../support/redis-server';

/** Re-reading a consumer's own pending entries (XREADGROUP with an id), the same on both brokers. */
interface Side {
  readonly port: StreamPort;
  xadd(key: string, id: string): Promise<void>;
}

const suite = redisForSuite();
const { redis } = suite;

const memorySide = (): Side => {
  const store = new MemoryStore();
  return {
    port: new MemoryStreamPort(store),
    xadd: (key, id) => {
      const stream = store.stream(key, true);
      stream?.entries.push({ id, fields: { n: id } });
      if (stream) stream.lastId = id;
      return Promise.resolve();
    },
  };
};
const redisSide = (): Side => ({
  port: new RedisStreamPort(suite.connections, 'Redis'),
  xadd: async (key, id) => void (await redis.xAdd(key, id, { n: id })),
});

describe.each([
  ['in-memory store', memorySide],
  ['real redis-server', redisSide],
] as [string, () => Side][])('stream port on the %s', (_name, make) => {
  it("pendingAfter re-reads the consumer's own pending entries, in order, page by page", async () => {
    const { port, xadd } = make();
    const key = `${uniquePrefix('stream-port')}s`;
    await port.createGroup(key, 'g', '0');
    for (const id of ['1-1', '1-2', '1-3', '1-4']) await xadd(key, id);
    const read = (consumer: string, pendingAfter?: string) =>
      port.readGroup({ keys: [key], group: 'g', consumer, count: 2, pendingAfter });
    const ids = async (p: ReturnType<typeof read>) => (await p).map((e) => e.id);
    expect(await ids(read('me'))).toEqual(['1-1', '1-2']);
    expect(await ids(read('other'))).toEqual(['1-3', '1-4']);
    await port.ack(key, 'g', ['1-1']);
    expect(await ids(read('me'))).toEqual([]); // no new entries
    expect(await read('me', '0')).toEqual([{ key, id: '1-2', fields: { n: '1-2' } }]);
    expect(await ids(read('other', '0'))).toEqual(['1-3', '1-4']);
    expect(await ids(read('other', '1-3'))).toEqual(['1-4']);
    expect(await port.pendingCount(key, 'g', 'me')).toBe(1);
  });
});
