/**
 * Runs one subscription's messages: in arrival order, at most `concurrency` at once, with up to
 * `maxBacklog` messages waiting for a free invocation. A message that arrives while the backlog is full
 * makes the oldest waiting message go (it is dropped and reported), so memory stays bounded however fast
 * messages come, and the messages that do run are the most recent ones.
 *
 * A message that finds a free invocation and nobody waiting runs at once, in the caller's turn (no
 * promise, no queueing); a worker whose handler ended at once goes on to the next waiting message in the
 * same turn, so a burst of quick handlers runs without a microtask each; one whose message ran on goes on
 * when it is told the message ended (`done`), in that same turn too.
 */
export interface MessageFeedOptions {
  readonly concurrency: number;
  readonly maxBacklog: number;
  /**
   * Handles one message: true when it is done already; false when it runs on, and then calls the feed's
   * `done()` exactly once when it has ended. `resumed`: its worker comes back from a message that ran on
   * (other work may have run since anything before it ended); false when it runs in the turn its message
   * arrived in, or right after a message of its worker that ended at once. Must not throw.
   */
  readonly run: (message: string, channel: string, resumed: boolean) => boolean;
  /** Called with each message dropped because the backlog was full. */
  readonly dropped: (message: string, channel: string) => void;
  /** Called when a worker that came back from a message that ran on stops or waits again (not otherwise). */
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

  /** One worker: runs messages while they end at once, until one runs on or none waits. */
  private work(message: string, channel: string, resumed: boolean): void {
    for (;;) {
      if (!this.options.run(message, channel, resumed)) return; // its worker goes on at done()
      if (this.size === 0) return this.stopWorker();
      const at = this.head;
      message = this.messages[at] as string;
      channel = this.channels[at] as string;
      this.release(at);
      resumed = false;
    }
  }

  /** A message that ran on has ended: its worker goes on with the next waiting message, or stops. */
  done(): void {
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
