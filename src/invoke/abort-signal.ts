import type { InvocationContext } from '@azure/functions';

const SIGNAL = Symbol.for('redis-func.abortSignal');

/**
 * The abort side of an invocation. The AbortController is made only when a handler asks for the signal
 * (most never do, and one per invocation is measurable on the hot path).
 */
export class InvocationAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** Gives the context its abort signal: `invocationSignal(context)`, also `context.abortSignal`. */
export function attachAbort(context: InvocationContext, abort: InvocationAbort): void {
  Object.defineProperty(context, SIGNAL, { value: abort });
  Object.defineProperty(context, 'abortSignal', { get: () => abort.signal, enumerable: false });
}

/**
 * The AbortSignal of an invocation: it aborts when the invocation outlives host.json `functionTimeout`,
 * with the FunctionTimeoutError as its reason. Pass it to fetch, timers or Redis calls to stop early.
 */
export function invocationSignal(context: InvocationContext): AbortSignal {
  const abort = (context as unknown as Record<symbol, InvocationAbort | undefined>)[SIGNAL];
  return abort?.signal ?? new AbortController().signal;
}
