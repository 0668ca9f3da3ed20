import { MemoryList } from '../../../src/testing/memory-list';

describe('MemoryList', () => {
  it('follows LPUSH, RPUSH, LPOP count, RPOP count and LREM 1', () => {
    const list = new MemoryList();
    list.pushLeft(['a', 'b', 'c']);
    expect(list.toArray()).toEqual(['c', 'b', 'a']);
    list.pushRight(['x', 'y']);
    expect(list.toArray()).toEqual(['c', 'b', 'a', 'x', 'y']);
    expect(list.popLeft(2)).toEqual(['c', 'b']);
    expect(list.popRight(2)).toEqual(['y', 'x']);
    expect(list.popRight(5)).toEqual(['a']);
    expect(list.length).toBe(0);
    expect(list.popLeft(3)).toEqual([]);
    list.pushRight(['p', 'q', 'p']);
    expect(list.removeFirst('p')).toBe(true);
    expect(list.removeFirst('z')).toBe(false);
    expect(list.toArray()).toEqual(['q', 'p']);
  });

  it('agrees with a plain array over a long random run of operations', () => {
    const list = new MemoryList();
    const ref = { items: [] as string[] }; // the reference: a plain array
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 5_000; step++) {
      const values = Array.from({ length: random(40) }, (_v, i) => `${step}.${i}`);
      const count = random(60);
      switch (random(5)) {
        case 0:
          list.pushLeft(values);
          ref.items.unshift(...[...values].reverse());
          break;
        case 1:
          list.pushRight(values);
          ref.items.push(...values);
          break;
        case 2:
          expect(list.popLeft(count)).toEqual(ref.items.splice(0, count));
          break;
        case 3:
          expect(list.popRight(count)).toEqual(count === 0 ? [] : ref.items.splice(-count).reverse());
          break;
        default: {
          const value = ref.items[random(ref.items.length + 1)] ?? 'absent';
          const index = ref.items.indexOf(value);
          if (index >= 0) ref.items.splice(index, 1);
          expect(list.removeFirst(value)).toBe(index >= 0);
        }
      }
      expect(list.length).toBe(ref.items.length);
    }
    expect(list.toArray()).toEqual(ref.items);
  });

  it('removeLast removes the occurrence nearest the tail (LREM key -1 value)', () => {
    const list = new MemoryList();
    list.pushRight(['a', 'b', 'a', 'c']);
    list.popLeft(1); // the head moved: an occurrence before it does not count
    expect(list.removeLast('a')).toBe(true);
    expect(list.toArray()).toEqual(['b', 'c']);
    expect(list.removeLast('a')).toBe(false);
  });

  it('drains a long list in linear time', () => {
    const list = new MemoryList();
    list.pushLeft(Array.from({ length: 200_000 }, (_v, i) => String(i)));
    const started = Date.now();
    while (list.length > 0) list.popLeft(100);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
