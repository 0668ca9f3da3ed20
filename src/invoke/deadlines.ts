/** A pending deadline: a node of the list of deadlines in flight (unlinked when it expires or is cancelled). */
interface Deadline {
  readonly at: number;
  expire: (() => void) | undefined;
  prev: Deadline | undefined;
  next: Deadline | undefined;
}

/**
 * Invocation timeouts on one timer: each invocation adds a deadline and removes it when done, instead of
 * a setTimeout and a Promise.race of its own. Deadlines fire up to `tickMs` late.
 *
 * The deadlines in flight are a doubly linked list through the deadlines themselves: adding and cancelling
 * allocate nothing but the node. (A Set here, churned at every invocation, made the young garbage
 * collector promote each invocation's context and closures to the old generation: twice the cost per
 * invocation.)
 */
export class Deadlines {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs: number) {}

  /**
   * Calls `expire` once `ms` have passed since `from` (a `performance.now()` reading, by default now),
   * unless the returned cancel function ran first.
   */
  add(ms: number, expire: () => void, from = performance.now()): () => void {
    const deadline: Deadline = { at: from + ms, expire, prev: this.tail, next: undefined };
    if (this.tail) this.tail.next = deadline;
    else this.head = deadline;
    this.tail = deadline;
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
    // The timer stays until a sweep finds nothing pending (it is unref'd): stopping it whenever the list
    // empties would make a timer per invocation when invocations run one at a time.
    return () => this.remove(deadline);
  }

  private remove(deadline: Deadline): void {
    if (deadline.expire === undefined) return; // expired or cancelled already
    deadline.expire = undefined;
    if (deadline.prev) deadline.prev.next = deadline.next;
    else this.head = deadline.next;
    if (deadline.next) deadline.next.prev = deadline.prev;
    else this.tail = deadline.prev;
    deadline.prev = undefined;
    deadline.next = undefined;
  }

  /**
   * Expires what is due. The due deadlines are taken first and expired after: an expiry may run more work
   * at once (a Pub/Sub feed goes on with its next message) that adds or cancels deadlines; one cancelled
   * meanwhile is skipped.
   */
  private sweep(): void {
    const now = performance.now();
    const due: Deadline[] = [];
    for (let deadline = this.head; deadline; deadline = deadline.next)
      if (deadline.at <= now && deadline.expire) due.push(deadline);
    for (const deadline of due) {
      const expire = deadline.expire;
      if (!expire) continue; // cancelled by an expiry before it
      this.remove(deadline);
      expire();
    }
    if (!this.head) this.stop();
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
