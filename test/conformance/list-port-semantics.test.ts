import { RedisListPort } from '../../src/redis/redis-list-port';
import { MemoryListPort } from '../../src/testing/memory-lists';
import { MemoryStore } from '../../src/testing/memory-store';
import { listKeyPrefixes, listProcessingKey, listReceiptsKey } from '../../src/triggers/list-keys';
import type { ListElement, ListEnd, ListPort } from '../../src/triggers/ports';
import { redisForSuite } from '../support/redis-for-suite';
import { uniquePrefix } from '../support/redis-server';

/** The reliable-list operations of the port, the same on the in-memory store and on a real redis-server. */
interface Side {
  readonly port: ListPort;
  lrange(key: string): Promise<string[]>;
  rpush(key: string, values: string[]): Promise<void>;
  exists(key: string): Promise<boolean>;
}

const suite = redisForSuite();
const { redis } = suite;

const memorySide = (): Side => {
  const store = new MemoryStore();
  return {
    port: new MemoryListPort(store),
    lrange: (key) => Promise.resolve(store.list(key)?.toArray() ?? []),
    rpush: (key, values) => Promise.resolve(store.list(key, true)?.pushRight(values)),
    exists: (key) => Promise.resolve(store.exists(key)),
  };
};
const redisSide = (): Side => ({
  port: new RedisListPort(suite.connections, 'Redis'),
  lrange: (key) => redis.lRange(key, 0, -1),
  rpush: async (key, values) => void (await redis.rPush(key, values)),
  exists: async (key) => (await redis.exists(key)) === 1,
});

const values = (elements: readonly ListElement[]): string[] => elements.map((e) => e.value);
const move = (side: Side, key: string, count: number, from: ListEnd = 'left') =>
  side.port.moveToProcessing({ keys: [key], owner: 'me', from, count });

describe.each([
  ['in-memory store', memorySide],
  ['real redis-server', redisSide],
] as [string, () => Side][])('reliable list port on the %s', (_name, make) => {
  it('audit: keeps what is held, finishes removals that left no receipt, returns the rest in order', async () => {
    const side = make();
    const key = `${uniquePrefix('list-port')}jobs`;
    await side.rpush(key, ['a', 'b', 'x', 'c', 'd', 'x', 'e', 'f']);
    expect(values(await move(side, key, 4))).toEqual(['a', 'b', 'x', 'c']);
    // 'a' was removed and its reply lost; the removal of 'b' never reached Redis; 'x' and 'c' still run.
    await side.port.removeProcessed('me', [{ key, value: 'a' }], { id: 'r1', forget: new Map() });
    expect(await side.exists(listReceiptsKey(key, 'me'))).toBe(true);
    // A move whose reply was lost: d, x, e.
    await move(side, key, 3);
    const returned = await side.port.audit({
      key,
      owner: 'me',
      to: 'left',
      held: ['c', 'x'],
      removals: [
        { id: 'r1', values: ['a'] },
        { id: 'r2', values: ['b'] },
      ],
    });
    expect(returned).toBe(3);
    expect(await side.lrange(key)).toEqual(['d', 'x', 'e', 'f']);
    expect(await side.lrange(listProcessingKey(key, 'me'))).toEqual(['c', 'x']);
    expect(await side.exists(listReceiptsKey(key, 'me'))).toBe(false);
    // Nothing more to find: a second audit returns nothing and keeps what is held.
    const again = { key, owner: 'me', to: 'left' as const, held: ['x', 'c'], removals: [] };
    expect(await side.port.audit(again)).toBe(0);
    expect(await side.lrange(listProcessingKey(key, 'me'))).toEqual(['c', 'x']);
  });

  it('audit from the right: the oldest returned element is read first from the tail', async () => {
    const side = make();
    const key = `${uniquePrefix('list-port')}jobs`;
    await side.rpush(key, ['z', 'c', 'b', 'a']);
    expect(values(await move(side, key, 3, 'right'))).toEqual(['a', 'b', 'c']);
    expect(await side.port.audit({ key, owner: 'me', to: 'right', held: ['b'], removals: [] })).toBe(2);
    expect(await side.lrange(key)).toEqual(['z', 'c', 'a']);
    expect(await side.lrange(listProcessingKey(key, 'me'))).toEqual(['b']);
  });

  it('removals record their receipt and drop the ones given to forget; recovery drops a gone owner’s', async () => {
    const side = make();
    const key = `${uniquePrefix('list-port')}jobs`;
    await side.rpush(key, ['a', 'b', 'a', 'c']);
    await move(side, key, 3);
    await side.port.removeProcessed('me', [{ key, value: 'a' }], { id: 'r1', forget: new Map() });
    await side.port.removeProcessed('me', [{ key, value: 'b' }], {
      id: 'r2',
      forget: new Map([[key, ['r1']]]),
    });
    // r1's receipt is gone: an audit told r1's outcome is unknown takes it as not done and removes an 'a'.
    const audit = {
      key,
      owner: 'me',
      to: 'left' as const,
      held: [],
      removals: [{ id: 'r1', values: ['a'] }],
    };
    expect(await side.port.audit(audit)).toBe(0);
    expect(await side.lrange(listProcessingKey(key, 'me'))).toEqual([]);
    await move(side, key, 1);
    await side.port.removeProcessed('me', [{ key, value: 'c' }], { id: 'r3', forget: new Map() });
    expect(await side.exists(listReceiptsKey(key, 'me'))).toBe(true);
    expect(await side.port.recover(key, 'left')).toBe(0); // 'me' has no heartbeat: gone
    expect(await side.exists(`${listKeyPrefixes(key).receipts}me`)).toBe(false);
  });

  it('recovery never takes the caller for gone, even when its heartbeat key expired', async () => {
    const side = make();
    const key = `${uniquePrefix('list-port')}jobs`;
    await side.rpush(key, ['a', 'b']);
    await move(side, key, 2); // 'me' registered, no heartbeat key: gone to anyone else
    expect(await side.port.recover(key, 'left', 'me')).toBe(0);
    expect(await side.lrange(listProcessingKey(key, 'me'))).toEqual(['b', 'a']);
    expect(await side.port.recover(key, 'left', 'someone else')).toBe(2);
    expect(await side.lrange(key)).toEqual(['a', 'b']);
  });
});
