import type { RunClock } from './invoker';

/**
 * A RunClock for invocations started by events (Pub/Sub messages): its reading lasts until the end of the
 * synchronous run that left it, when a microtask drops it. node-redis hands a subscriber every message of
 * one socket read in one synchronous run, one after another, and nothing but its decoding and the host's
 * own steps runs between them: a reading left by a message that ended at once starts the next message of
 * the same read (of any function of the invoker), and none outlives the read. One microtask per read, not
 * per message.
 */
export class TurnClock implements RunClock {
  /** The reading, or -1 for none: always a number, so that V8 keeps it in place instead of boxing each. */
  #at = -1;
  #dropping = false;
  readonly #drop = (): void => {
    this.#dropping = false;
    this.#at = -1;
  };

  get reading(): number | undefined {
    return this.#at < 0 ? undefined : this.#at;
  }

  set reading(value: number | undefined) {
    if (value === undefined) {
      this.#at = -1;
      return;
    }
    this.#at = value;
    if (this.#dropping) return;
    this.#dropping = true;
    queueMicrotask(this.#drop);
  }
}
