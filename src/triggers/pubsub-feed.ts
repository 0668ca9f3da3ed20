/**
 * Runs one subscription's messages: in arrival order, at most `concurrency` at once, with up to
 * `maxBacklog` messages waiting for a free invocation. A message that arrives while the backlog is full
 * makes the oldest waiting message go (it is dropped and reported), so memory stays bounded however fast
 * messages come, and the messages that do run are the most recent ones.
 *
 * A message that finds a free invocation and nobody waiting runs at once, in the caller's turn (no
 * promise, no queueing); a worker whose handler ended without a promise goes on to the next waiting
 * message in the same turn, so a burst of quick handlers runs without a microtask each.
 */
export interface MessageFeedOptions {
  readonly concurrency: number;
  readonly maxBacklog: number;
  /**
   * Handles one message: undefined when it is done already, else a promise that settles when it is (and
   * never rejects). `resumed`: its worker comes back from a handler's promise (other work may have run
   * since anything before it ended); false when it runs in the turn its message arrived in, or right
   * after a message of its worker that ended without a promise. Must not throw.
   */
  readonly run: (message: string, channel: string, resumed: boolean) => PromiseLike<unknown> | undefined;
  /** Called with each message dropped because the backlog was full. */
  readonly dropped: (message: string, channel: string) => void;
  /** Called when a worker that came back from a handler's promise stops or waits again (not otherwise). */
  readonly rested?: () => void;
}

export class MessageFeed {
  private readonly concurrency: number;
  private readonly maxBacklog: number;
  /** The backlog: a ring of waiting messages and their channels, grown up to maxBacklog. */
  private messages: string[] = [];
  private channels: string[] = [];
  private head = 0;
  private size = 0;
  /** Workers running or waiting on a handler's promise. */
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly next = (): void => this.afterPromise();

  constructor(private readonly options: MessageFeedOptions) {
    this.concurrency = options.concurrency;
    this.maxBacklog = options.maxBacklog;
  }

  /** Messages waiting (not running). */
  get waiting(): number {
    return this.size;
  }

  /** Takes a message: runs it now when an invocation is free, else keeps it waiting (or drops the oldest). */
  push(message: string, channel: string): void {
    if (this.active < this.concurrency && this.size === 0) {
      this.active++;
      this.work(message, channel, false);
      return;
    }
    if (this.size === this.maxBacklog) {
      const oldest = this.head;
      const droppedMessage = this.messages[oldest] as string;
      const droppedChannel = this.channels[oldest] as string;
      this.release(oldest);
      this.options.dropped(droppedMessage, droppedChannel);
    }
    this.enqueue(message, channel);
  }

  /** Resolves when no message runs and none waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One worker: runs messages while their handlers end at once, until one returns a promise or none waits. */
  private work(message: string, channel: string, resumed: boolean): void {
    for (;;) {
      const pending = this.options.run(message, channel, resumed);
      if (pending) {
        pending.then(this.next, this.next);
        return;
      }
      if (this.size === 0) return this.stopWorker();
      const at = this.head;
      message = this.messages[at] as string;
      channel = this.channels[at] as string;
      this.release(at);
      resumed = false;
    }
  }

  private afterPromise(): void {
    if (this.size === 0) return this.stopWorker();
    const at = this.head;
    const message = this.messages[at] as string;
    const channel = this.channels[at] as string;
    this.release(at);
    this.work(message, channel, true);
    this.options.rested?.();
  }

  private stopWorker(): void {
    this.active--;
    if (this.active === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Takes the head slot out of the ring (its strings can be collected). */
  private release(at: number): void {
    this.messages[at] = '';
    this.channels[at] = '';
    this.head = (at + 1) % this.messages.length;
    this.size--;
  }

  private enqueue(message: string, channel: string): void {
    if (this.size === this.messages.length) this.grow();
    const at = (this.head + this.size) % this.messages.length;
    this.messages[at] = message;
    this.channels[at] = channel;
    this.size++;
  }

  /** Doubles the ring (at most to maxBacklog), its waiting messages first, in order. */
  private grow(): void {
    const capacity = Math.min(this.maxBacklog, Math.max(16, this.messages.length * 2));
    const messages = new Array<string>(capacity);
    const channels = new Array<string>(capacity);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) % this.messages.length;
      messages[i] = this.messages[from] as string;
      channels[i] = this.channels[from] as string;
    }
    this.messages = messages;
    this.channels = channels;
    this.head = 0;
  }
}
