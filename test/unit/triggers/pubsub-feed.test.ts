import { MessageFeed } from '../../../src/triggers/pubsub-feed';

describe('MessageFeed', () => {
  /** A feed whose 'slow' messages run on until `finish()`; every run is logged in `events`. */
  function slowFeed(concurrency = 1) {
    const events: string[] = [];
    const running: (() => void)[] = [];
    const feed: MessageFeed = new MessageFeed({
      concurrency,
      maxBacklog: 10,
      run: (message, _channel, resumed) => {
        events.push(`${message}${resumed ? ' (resumed)' : ''}`);
        if (!message.startsWith('slow')) return true;
        running.push(() => feed.done());
        return false;
      },
      dropped: (message) => events.push(`dropped ${message}`),
      rested: () => events.push('rested'),
    });
    const finish = (): void => running.shift()?.();
    return { feed, events, finish };
  }

  it('tells when a worker that came back from a message that ran on has run what waited, and only then', async () => {
    const { feed, events, finish } = slowFeed();
    feed.push('a', 'c'); // runs at once: nothing to tell
    feed.push('slow', 'c');
    feed.push('b', 'c'); // waits for the slow one
    feed.push('d', 'c');
    expect(events).toEqual(['a', 'slow']);
    finish();
    // done() goes on in the caller's turn: no promise, no microtask in between
    expect(events).toEqual(['a', 'slow', 'b (resumed)', 'd', 'rested']);
    await expect(feed.idle()).resolves.toBeUndefined();
  });

  it('keeps order with one worker, waits for every message that runs on, and drops the oldest past maxBacklog', async () => {
    const { feed, events, finish } = slowFeed();
    let idle = false;
    feed.push('slow1', 'c');
    feed.push('slow2', 'c');
    feed.push('x', 'c');
    void feed.idle().then(() => (idle = true));
    expect(feed.waiting).toBe(2);
    finish(); // slow1 ends: slow2 runs on
    expect(events).toEqual(['slow1', 'slow2 (resumed)', 'rested']);
    await Promise.resolve();
    expect(idle).toBe(false);
    finish();
    expect(events.slice(3)).toEqual(['x (resumed)', 'rested']);
    await Promise.resolve();
    expect(idle).toBe(true);
    for (let n = 0; n < 12; n++) feed.push(n === 0 ? 'slow' : `m${n}`, 'c');
    expect(events.filter((e) => e.startsWith('dropped'))).toEqual(['dropped m1']);
    finish();
    expect(events.slice(-11, -1)).toEqual([
      'm2 (resumed)',
      ...Array.from({ length: 9 }, (_, n) => `m${n + 3}`),
    ]);
  });

  it('runs up to concurrency messages at once', () => {
    const { feed, events, finish } = slowFeed(2);
    feed.push('slow1', 'c');
    feed.push('slow2', 'c');
    feed.push('a', 'c');
    expect(events).toEqual(['slow1', 'slow2']);
    finish();
    expect(events).toEqual(['slow1', 'slow2', 'a (resumed)', 'rested']);
    finish();
    expect(feed.waiting).toBe(0);
  });
});
