import { performance } from 'node:perf_hooks';

/**
 * How a listener times the invocations it starts one right after another in one synchronous run (a batch
 * of list elements, the messages of one socket read): reading the clock costs as much as a quick handler,
 * so an invocation that ends at once hands its end on as the start of the next instead of the clock being
 * read twice per invocation. The invoker calls, per attempt:
 *
 * - `begin(functionName, alone)` as it starts: its start. `alone`: it will not end quick (its
 *   Executing/Executed lines are logged or someone receives records), so it needs a start of its own.
 * - then exactly one of:
 *   - `endQuick(name)` when it succeeded at once with nothing to run after it but bookkeeping: its end
 *     (the next attempt's start), or -1 when the clock reports its duration itself, later (MessageClock);
 *   - `release(started, now?)` when its synchronous part ended otherwise (it failed, returned a promise,
 *     or was `alone`): its start, corrected when it shared a measurement with others; the next attempt
 *     reads the clock afresh (what runs next, an error line or an await, is not its time).
 * - `stale()` when the listener comes back from an await: what ran meanwhile is nobody's time.
 */
export interface RunClock {
  /** An attempt begun on it has not ended its synchronous part: one begun now is nested (re-entrant). */
  readonly busy: boolean;
  begin(functionName: string, alone: boolean): number;
  endQuick(): number;
  release(started: number, now?: number): number;
  stale(): void;
}

/**
 * The batch listeners' clock (lists, streams): each invocation that ends quick leaves its end reading for
 * the next; every invocation's duration is its own, known when it ends.
 */
export class HandoffClock implements RunClock {
  /** The reading left by the invocation before, or -1: always a number, kept in place by V8. */
  private at = -1;

  /** A batch listener's invocations never nest. */
  readonly busy = false;

  /** The reading left for the next invocation, if any. */
  get reading(): number | undefined {
    return this.at < 0 ? undefined : this.at;
  }

  begin(): number {
    const at = this.at;
    this.at = -1;
    return at < 0 ? performance.now() : at;
  }

  endQuick(): number {
    return (this.at = performance.now());
  }

  release(started: number): number {
    this.at = -1;
    return started;
  }

  stale(): void {
    this.at = -1;
  }
}

/** Quick invocations timed together, at most: the clock is read once per group. */
export const MESSAGE_GROUP = 16;
/** A group that took longer than this makes the rest of its run timed invocation by invocation. */
export const SLOW_GROUP_MS = 1;

/** Receives the durations of a group: `count` invocations of one function, `ms` each. */
export type GroupReport = (functionName: string, ms: number, count: number) => void;

/**
 * The Pub/Sub listeners' clock, shared by every Pub/Sub function of an invoker. node-redis hands a
 * subscriber every message of one socket read in one synchronous run, with nothing between them but its
 * decoding and the host's own steps. Invocations of one function that follow one another in that run and
 * end quick (succeeded at once, nothing logged or recorded) are timed as a group: the clock is read when
 * the group starts and when it ends, after MESSAGE_GROUP of them, or when the run ends, an invocation of
 * another function starts, an invocation that is not quick needs its start, or the listener comes back
 * from an await. The group's time is shared evenly by its invocations and reported through `report`.
 *
 * So each function's count and total time are exact, and no other function's time or a gap between
 * socket reads ever counts in them; what is not known is how a group's time splits between its
 * invocations: one slow handler among quick ones of its function shows as a group of middling ones (every
 * Prometheus bucket is still exact while a group takes under 1 ms, their lowest bound). Once a group
 * takes longer than SLOW_GROUP_MS, the rest of the run is timed invocation by invocation. The run ends in
 * a process.nextTick queued when it starts (one per socket read, not per message), which runs as soon as
 * node-redis's handling of the read returns, before anything the handlers queued; so the last group
 * holds the rest of that read's handling too. (A run that starts in a microtask, where ticks wait for
 * every microtask, ends in a microtask queued with the tick: whichever comes first ends it.) An invocation that begins inside another's handler (a
 * handler that delivers a message synchronously, as the test host does) is nested: the invoker times it
 * on its own, without the clock (`busy`).
 */
export class MessageClock implements RunClock {
  /** The last reading in this run, or -1: the start of the group of `count` quick invocations since. */
  #mark = -1;
  #count = 0;
  /** The function of the group (of the invocation that began at the mark). */
  #name = '';
  /** A slow group was seen in this run: groups of one until it ends. */
  #single = false;
  #ending = false;
  /** Attempts begun and not yet past their synchronous part. */
  #depth = 0;
  readonly #slowGroupMs: number;
  readonly #endRun = (): void => {
    this.#ending = false;
    try {
      if (this.#count > 0) this.#close(performance.now());
    } catch {
      // the invoker's report never throws (it logs what onEnded threw); nobody could be told here
    }
    this.#mark = -1;
    this.#single = false;
  };

  /** `slowGroupMs`: SLOW_GROUP_MS unless given (a test sets it out of reach). */
  constructor(
    private readonly report: GroupReport,
    options: { readonly slowGroupMs?: number } = {},
  ) {
    this.#slowGroupMs = options.slowGroupMs ?? SLOW_GROUP_MS;
  }

  get busy(): boolean {
    return this.#depth > 0;
  }

  /** Quick invocations timed but not reported yet (the test of a group's lifetime). */
  get pending(): number {
    return this.#count;
  }

  begin(functionName: string, alone: boolean): number {
    this.#depth++;
    if (this.#mark < 0) {
      const now = performance.now();
      this.#mark = now;
      this.#name = functionName;
      if (!this.#ending) {
        this.#ending = true;
        process.nextTick(this.#endRun); // a socket read's handling returned: before what handlers queued
        queueMicrotask(this.#endRun); // a run in a microtask (not a socket read's): before the next one
      }
      return now;
    }
    if (this.#count > 0 && (alone || functionName !== this.#name)) this.#close(performance.now());
    this.#name = functionName;
    return this.#mark;
  }

  /**
   * The start of an invocation timed on its own, outside any group (a function whose handler awaited the
   * time before: see Invoker.invokeMessage). A group open before it is reported, so none of its time counts
   * there, and nothing is scheduled for the end of the run; it is busy until its release.
   */
  alone(): number {
    this.#depth++;
    const now = performance.now();
    if (this.#count > 0) this.#close(now);
    this.#mark = -1;
    return now;
  }

  endQuick(): number {
    this.#depth--;
    if (++this.#count >= MESSAGE_GROUP || this.#single) this.#close(performance.now());
    return -1;
  }

  release(started: number, now?: number): number {
    this.#depth--;
    if (this.#count === 0) {
      this.#mark = -1;
      return started;
    }
    // It began where the quick ones before it began: each of them and it get an even share.
    const at = now ?? performance.now();
    const start = at - (at - this.#mark) / (this.#count + 1);
    this.#close(start);
    this.#mark = -1;
    return start;
  }

  stale(): void {
    if (this.#count > 0) this.#close(performance.now());
    this.#mark = -1;
  }

  /** Reports the group that ends at `now`, which becomes the mark. */
  #close(now: number): void {
    const count = this.#count;
    const ms = now - this.#mark;
    this.#count = 0;
    this.#mark = now;
    if (ms > this.#slowGroupMs) this.#single = true;
    this.report(this.#name, ms / count, count);
  }
}
