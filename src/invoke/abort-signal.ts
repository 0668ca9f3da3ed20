import { InvocationContext } from '@azure/functions';

/**
 * The InvocationContext redis-func hands to handlers: the @azure/functions class plus `abortSignal`,
 * which aborts when the invocation outlives host.json `functionTimeout`. The AbortController is made only
 * when a handler asks for the signal (most never do; one per invocation is measurable on the hot path).
 */
export class RedisInvocationContext extends InvocationContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get abortSignal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Ends the invocation's signal with `reason` (the FunctionTimeoutError). */
  abortWith(reason: unknown): void {
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * The AbortSignal of an invocation: it aborts when the invocation outlives host.json `functionTimeout`,
 * with the FunctionTimeoutError as its reason. Pass it to fetch, timers or Redis calls to stop early.
 */
export function invocationSignal(context: InvocationContext): AbortSignal {
  const signal = (context as { abortSignal?: unknown }).abortSignal;
  return signal instanceof AbortSignal ? signal : new AbortController().signal;
}
