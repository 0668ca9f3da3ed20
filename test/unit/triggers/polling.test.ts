import pino from 'pino';
import { PollingLoop, forEachConcurrent, type PollingLoopOptions } from '../../../src/triggers/polling';

/** A source of numbered batches: `fetch` resolves with the next batch once the test lets it. */
function source(batches: number[][]) {
  const events: string[] = [];
  let next = 0;
  const fetch = (): Promise<number[]> => {
    const batch = batches[next++] ?? [];
    events.push(`fetch ${JSON.stringify(batch)}`);
    return Promise.resolve(batch);
  };
  return { events, fetch };
}

/** A few turns of the event loop (the loop lets a fetch sent ahead go out over two of them). */
const tick = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A loop over batches of 2, polling every minute (so a short batch ends the test's activity). */
function loopOf(
  fetch: PollingLoopOptions<number>['fetch'],
  handle: PollingLoopOptions<number>['handle'],
  extra: Partial<PollingLoopOptions<number>> = {},
): PollingLoop<number> {
  return new PollingLoop<number>({
    name: 'f',
    logger: pino({ level: 'silent' }),
    fetch,
    handle,
    batchSize: 2,
    pollingIntervalInMs: 60_000,
    blocking: false,
    ...extra,
  });
}

describe('PollingLoop', () => {
  it('sends the next fetch while a full batch is handled, and handles batches one after the other', async () => {
    const { events, fetch } = source([[1, 2], [3, 4], [5]]);
    const releases: (() => void)[] = [];
    const loop = loopOf(fetch, (batch) => {
      events.push(`handle ${JSON.stringify(batch)}`);
      return new Promise<void>((resolve) => releases.push(resolve));
    });
    loop.start();
    await tick();
    expect(events).toEqual(['fetch [1,2]', 'fetch [3,4]', 'handle [1,2]']);
    releases.shift()?.();
    await tick();
    expect(events.slice(3)).toEqual(['fetch [5]', 'handle [3,4]']);
    releases.shift()?.();
    await tick();
    // [5] is a short batch: nothing is fetched ahead of it, and the loop then waits the polling interval.
    expect(events.slice(5)).toEqual(['handle [5]']);
    releases.shift()?.();
    await loop.close();
    expect(events).toHaveLength(6);
  });

  it('handles the batch fetched ahead after close, then stops', async () => {
    const { events, fetch } = source([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    let release: (() => void) | undefined;
    const loop = loopOf(fetch, (batch) => {
      events.push(`handle ${JSON.stringify(batch)}`);
      return new Promise<void>((resolve) => (release = resolve));
    });
    loop.start();
    await tick();
    const closed = loop.close();
    release?.();
    await tick();
    release?.();
    await closed;
    expect(events).toEqual(['fetch [1,2]', 'fetch [3,4]', 'handle [1,2]', 'handle [3,4]']);
  });

  it('awaits sendOff between sending the fetch ahead and handling the batch', async () => {
    const { events, fetch } = source([[1, 2], [3]]);
    const loop = loopOf(
      fetch,
      (batch) => {
        events.push(`handle ${JSON.stringify(batch)}`);
        return Promise.resolve();
      },
      {
        sendOff: async () => {
          events.push('sendOff');
          await tick();
          events.push('sent');
        },
      },
    );
    loop.start();
    await tick();
    await tick();
    await loop.close();
    expect(events).toEqual(['fetch [1,2]', 'fetch [3]', 'sendOff', 'sent', 'handle [1,2]', 'handle [3]']);
  });

  it('does not fetch ahead when prefetch says no', async () => {
    const { events, fetch } = source([
      [1, 2],
      [3, 4],
    ]);
    let release: (() => void) | undefined;
    const loop = loopOf(
      fetch,
      (batch) => {
        events.push(`handle ${JSON.stringify(batch)}`);
        return new Promise<void>((resolve) => (release = resolve));
      },
      { prefetch: () => false },
    );
    loop.start();
    await tick();
    expect(events).toEqual(['fetch [1,2]', 'handle [1,2]']);
    release?.();
    await tick();
    expect(events).toEqual(['fetch [1,2]', 'handle [1,2]', 'fetch [3,4]', 'handle [3,4]']);
    const closed = loop.close();
    release?.();
    await closed;
  });

  it('backs off after a fetch ahead that failed, and goes on', async () => {
    let calls = 0;
    const handled: number[][] = [];
    const loop = loopOf(
      () => {
        calls++;
        if (calls === 2) return Promise.reject(new Error('connection lost'));
        return Promise.resolve(calls === 1 ? [1, 2] : calls === 3 ? [3] : []);
      },
      (batch) => {
        handled.push([...batch]);
        return Promise.resolve();
      },
      { maxBackoffMs: 1 },
    );
    loop.start();
    for (let i = 0; i < 50 && handled.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await loop.close();
    expect(handled).toEqual([[1, 2], [3]]);
  });
});

describe('forEachConcurrent', () => {
  it('runs synchronous work item after item without waiting for a microtask', async () => {
    const order: string[] = [];
    void Promise.resolve().then(() => order.push('microtask'));
    const done = forEachConcurrent([1, 2, 3], 2, (n) => void order.push(`item ${n}`));
    order.push('returned');
    await done;
    expect(order).toEqual(['item 1', 'item 2', 'item 3', 'returned', 'microtask']);
  });

  it('keeps at most `limit` promises pending, and starts the next item as one settles', async () => {
    const releases: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const done = forEachConcurrent([1, 2, 3, 4, 5], 2, (n) => {
      started.push(n);
      if (n === 3) return; // synchronous among asynchronous ones
      running++;
      most = Math.max(most, running);
      return new Promise<void>((resolve) =>
        releases.push(() => {
          running--;
          resolve();
        }),
      );
    });
    expect(started).toEqual([1, 2]);
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3, 4]);
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect([started, most]).toEqual([[1, 2, 3, 4, 5], 2]);
  });

  it('tells an item whether the one before it in the same worker ended without a promise', async () => {
    const seen: [number, boolean][] = [];
    await forEachConcurrent([1, 2, 3, 4, 5], 1, (n, continued) => {
      seen.push([n, continued]);
      return n === 3 ? Promise.resolve() : undefined;
    });
    expect(seen).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, false], // after an await
      [5, true],
    ]);
  });

  it('rejects with what a synchronous item threw', async () => {
    await expect(
      forEachConcurrent([1, 2], 1, (n) => {
        if (n === 2) throw new Error('item 2 threw');
      }),
    ).rejects.toThrow('item 2 threw');
  });
});
