interface Deadline {
  readonly at: number;
  readonly expire: () => void;
}

/**
 * Invocation timeouts on one timer: each invocation adds a deadline and removes it when done, instead of
 * a setTimeout and a Promise.race of its own. Deadlines fire up to `tickMs` late.
 */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs: number) {}

  /** Calls `expire` once `ms` have passed, unless the returned cancel function ran first. */
  add(ms: number, expire: () => void): () => void {
    const deadline: Deadline = { at: Date.now() + ms, expire };
    this.pending.add(deadline);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
    // The timer stays until a sweep finds nothing pending (it is unref'd): stopping it whenever the set
    // empties would make a timer per invocation when invocations run one at a time.
    return () => {
      this.pending.delete(deadline);
    };
  }

  private sweep(): void {
    const now = Date.now();
    for (const deadline of this.pending) {
      if (deadline.at <= now) {
        this.pending.delete(deadline);
        deadline.expire();
      }
    }
    if (this.pending.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A tick that keeps a timeout within about 5% (10 ms to 1 s). */
export function tickFor(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.round(timeoutMs / 20)));
}
