import type { InvocationRecord } from './invoker';

/** Receives each finished attempt's record and the reason it ran, while it is subscribed. */
export type TapListener = (record: InvocationRecord, reason: string) => void;

/**
 * Finished invocations for whoever listens at runtime (the board's live feed), shared by every invoker of
 * a process. While nobody listens, `receiver` is undefined and an invoker builds no record for it: the cost
 * is one property read per invocation. Subscribing makes the invokers build records (with the handler's
 * log lines) from their next invocation on.
 */
export class InvocationTap {
  /** What the invokers call; undefined while nobody listens. */
  receiver: TapListener | undefined;
  private readonly listeners = new Set<TapListener>();

  /** Starts receiving records; the returned function stops it (idempotent). */
  subscribe(listener: TapListener): () => void {
    this.listeners.add(listener);
    this.update();
    return () => {
      this.listeners.delete(listener);
      this.update();
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private update(): void {
    const listeners = [...this.listeners];
    const [only] = listeners;
    if (listeners.length <= 1) this.receiver = only;
    else this.receiver = (record, reason) => listeners.forEach((listener) => listener(record, reason));
  }
}
