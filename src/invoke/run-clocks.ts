import { performance } from 'node:perf_hooks';

/**
 * How a listener times the invocations it starts one right after another in one synchronous run (a batch
 * of list elements, the messages of one socket read): reading the clock costs as much as a quick handler,
 * so an invocation that ends at once hands its end on as the start of the next instead of the clock being
 * read twice per invocation. The invoker calls, per attempt:
 *
 * - `begin(alone)` as it starts: its start. `alone`: it will not end quick (its Executing/Executed lines
 *   are logged or someone receives records), so it needs a start of its own.
 * - then exactly one of:
 *   - `endQuick(name)` when it succeeded at once with nothing to run after it but bookkeeping: its end
 *     (the next attempt's start), or -1 when the clock reports its duration itself, later (MessageClock);
 *   - `release(started, now?)` when its synchronous part ended otherwise (it failed, returned a promise,
 *     or was `alone`): its start, corrected when it shared a measurement with others; the next attempt
 *     reads the clock afresh (what runs next, an error line or an await, is not its time).
 * - `stale()` when the listener comes back from an await: what ran meanwhile is nobody's time.
 */
export interface RunClock {
  begin(alone: boolean): number;
  endQuick(functionName: string): number;
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

/** Receives the durations of a group's invocations: `count` invocations of one function, `ms` each. */
export type GroupReport = (functionName: string, ms: number, count: number) => void;

/**
 * The Pub/Sub listeners' clock, shared by every Pub/Sub function of an invoker. node-redis hands a
 * subscriber every message of one socket read in one synchronous run, with nothing between them but its
 * decoding and the host's own steps. Invocations in that run that end quick (succeeded at once, nothing
 * logged or recorded) are timed in groups: the clock is read when the run starts and after every
 * MESSAGE_GROUP of them (or when the run ends, when an invocation that is not quick needs its start, or
 * when the listener comes back from an await), and the group's time is shared evenly by its invocations,
 * reported through `report`. A group's total is exact; how it splits between its invocations is not known,
 * so one slow handler among quick ones shows as a group of middling ones (every Prometheus bucket is still
 * exact when the group took under 1 ms, its lowest bound); once a group takes longer than SLOW_GROUP_MS,
 * the rest of the run is timed invocation by invocation. The run ends in a microtask, the first the run
 * queues: one per socket read, not per message.
 */
export class MessageClock implements RunClock {
  /** The last reading in this run, or -1: the start of the group of `count` quick invocations since. */
  #mark = -1;
  #count = 0;
  /** The function of each quick invocation since the mark (a group: at most MESSAGE_GROUP). */
  readonly #names: string[] = [];
  /** A slow group was seen in this run: groups of one until it ends. */
  #single = false;
  #ending = false;
  readonly #endRun = (): void => {
    this.#ending = false;
    this.#single = false;
    try {
      if (this.#count > 0) this.#close(performance.now());
    } catch {
      // a report that throws (the host's metrics never do) has nobody to tell in a microtask
    }
    this.#mark = -1;
  };

  constructor(private readonly report: GroupReport) {}

  /** Quick invocations timed but not reported yet (the test of a group's lifetime). */
  get pending(): number {
    return this.#count;
  }

  begin(alone: boolean): number {
    if (this.#mark < 0) {
      const now = performance.now();
      this.#mark = now;
      if (!this.#ending) {
        this.#ending = true;
        queueMicrotask(this.#endRun);
      }
      return now;
    }
    if (alone && this.#count > 0) this.#close(performance.now());
    return this.#mark;
  }

  endQuick(functionName: string): number {
    this.#names[this.#count++] = functionName;
    if (this.#count >= MESSAGE_GROUP || this.#single) this.#close(performance.now());
    return -1;
  }

  release(started: number, now?: number): number {
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

  /** Reports the group that ends at `now` (each of its runs of one function at once); `now` is the mark. */
  #close(now: number): void {
    const names = this.#names;
    const count = this.#count;
    const share = (now - this.#mark) / count;
    this.#count = 0;
    this.#mark = now;
    if (share * count > SLOW_GROUP_MS) this.#single = true;
    for (let i = 0; i < count;) {
      const name = names[i] as string;
      let end = i + 1;
      while (end < count && names[end] === name) end++;
      this.report(name, share, end - i);
      i = end;
    }
  }
}
