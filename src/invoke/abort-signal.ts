import type { InvocationContext } from '@azure/functions';

const SIGNAL = Symbol.for('redis-func.abortSignal');

/** Gives the context the signal that aborts when the invocation times out (also as `context.abortSignal`). */
export function attachAbortSignal(context: InvocationContext, signal: AbortSignal): void {
  Object.defineProperty(context, SIGNAL, { value: signal });
  Object.defineProperty(context, 'abortSignal', { value: signal, enumerable: false });
}

/**
 * The AbortSignal of an invocation: it aborts when the invocation outlives host.json `functionTimeout`,
 * with the FunctionTimeoutError as its reason. Pass it to fetch, timers or Redis calls to stop early.
 */
export function invocationSignal(context: InvocationContext): AbortSignal {
  const signal = (context as unknown as Record<symbol, AbortSignal | undefined>)[SIGNAL];
  return signal ?? new AbortController().signal;
}
