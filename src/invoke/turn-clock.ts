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
  #reading: number | undefined = undefined;
  #dropping = false;
  readonly #drop = (): void => {
    this.#dropping = false;
    this.#reading = undefined;
  };

  get reading(): number | undefined {
    return this.#reading;
  }

  set reading(value: number | undefined) {
    this.#reading = value;
    if (value === undefined || this.#dropping) return;
    this.#dropping = true;
    queueMicrotask(this.#drop);
  }
}
