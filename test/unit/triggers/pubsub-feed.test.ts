import { MessageFeed } from '../../../src/triggers/pubsub-feed';

describe('MessageFeed', () => {
  it('tells when a worker that came back from a promise has run what waited, and only then', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const feed = new MessageFeed({
      concurrency: 1,
      maxBacklog: 10,
      run: (message, _channel, resumed) => {
        events.push(`${message}${resumed ? ' (resumed)' : ''}`);
        if (message !== 'slow') return undefined;
        return new Promise<void>((resolve) => (release = resolve));
      },
      dropped: () => undefined,
      rested: () => events.push('rested'),
    });
    feed.push('a', 'c'); // runs at once: no promise, nothing to tell
    feed.push('slow', 'c');
    feed.push('b', 'c'); // waits for the slow one
    feed.push('d', 'c');
    expect(events).toEqual(['a', 'slow']);
    release();
    await feed.idle();
    expect(events).toEqual(['a', 'slow', 'b (resumed)', 'd', 'rested']);
  });
});
