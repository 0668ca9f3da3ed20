import { performance } from 'node:perf_hooks';
import { context as otelContext } from '@opentelemetry/api';
import type { InvocationContext, RetryContext } from '@azure/functions';
import { FunctionTimeoutError, NonRetryableError, errorMessage } from '../errors';
import { sleep } from '../timers';
import type { ResolvedFunction } from '../triggers/trigger';
import { resolveInputs, runOutputs } from './redis-bindings';
import { RedisInvocationContext } from './abort-signal';
import { Attempt, logExecuted, outcomeOf, recordOf } from './attempt';
import { Deadlines, tickFor } from './deadlines';
import { FunctionStates, type FunctionState } from './function-state';
import {
  INVOKE,
  INVOKE_NOW,
  INVOKE_UNREPORTED,
  RETRIED,
  RETRIED_WITH_ID,
  type AttemptMode,
  type Ended,
  type InvocationOutcome,
  type InvocationRecord,
  type InvocationRequest,
  type InvocationStatus,
  type InvokerOptions,
} from './invocation';
import { retryDelayMs } from './retry-policy';
import { InvocationTracing, tracingRegistered } from './tracing';
import { MessageClock, type HandoffClock, type RunClock } from './run-clocks';

export type {
  AttemptMode,
  InvocationOutcome,
  InvocationRecord,
  InvocationRequest,
  InvocationStatus,
  InvokerOptions,
  RetryStore,
} from './invocation';
export type { RunClock } from './run-clocks';

/**
 * Told when an invocation that did not end at once has ended (Invoker.invokeMessage): `resolved`, or
 * `rejected` with what reporting its outcome threw (an onInvocation callback). Exactly one, once, from
 * the handler promise's reaction or a functionTimeout sweep: neither may throw.
 */
export interface MessageEnding {
  resolved(outcome?: unknown): void;
  rejected(error: unknown): void;
}
export type { FunctionState } from './function-state';

/**
 * Runs one handler: builds a real InvocationContext, logs the host's Executing/Executed lines, applies
 * functionTimeout, and never throws (a failing handler is a failed invocation, not a failed host).
 */
export class Invoker {
  private readonly states: FunctionStates;
  private readonly closingSignal = new AbortController();
  private readonly deadlines: Deadlines;
  /** Invocation spans, when an OpenTelemetry SDK was registered before this invoker was made. */
  private readonly tracing = tracingRegistered() ? new InvocationTracing() : undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /**
   * The clock of invocations started by Pub/Sub messages, shared by every Pub/Sub function of this
   * invoker: messages of several subscriptions arrive interleaved in one socket read, and quick ones are
   * timed together, whichever function they ran (see MessageClock).
   */
  readonly messageClock = new MessageClock((name, ms, count) => this.reportSucceeded(name, ms, count));

  /** Quick invocations of a function to onEnded (a MessageClock group, or one timed alone); what that throws is logged. */
  private reportSucceeded(functionName: string, ms: number, count: number): void {
    try {
      this.options.onEnded?.(functionName, 'succeeded', ms, count);
    } catch (error) {
      this.options.logger.error(
        { functionName, err: errorMessage(error) },
        `Reporting ${count} invocation(s) of '${functionName}' failed`,
      );
    }
  }

  /**
   * Whether a Pub/Sub message may run without an Attempt (see quickAttempt): nothing of this invoker's
   * needs one for every invocation (records, kept log lines, spans).
   */
  private readonly quickMessages: boolean;

  constructor(private readonly options: InvokerOptions) {
    this.deadlines = new Deadlines(tickFor(options.host.functionTimeoutMs ?? 1000));
    this.states = new FunctionStates(options.logger, options.host, options.minimumLevel);
    this.quickMessages = !this.tracing && !options.onInvocation && !options.recordLogs;
  }

  get activeCount(): number {
    return this.inFlight;
  }

  /** Resolves when no invocation is running. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True once close() ran: a failure may then be returned before its retries were used up. */
  get closing(): boolean {
    return this.closingSignal.signal.aborted;
  }

  /** Stops retry waits: a failure waiting for its next attempt returns as it is. */
  close(): void {
    this.closingSignal.abort();
  }

  /**
   * Runs the handler; a failed attempt is retried per the function's retry policy (each attempt logs its
   * own Executing/Executed lines and gets `context.retryContext`). Resolves with the last attempt.
   */
  invoke(request: InvocationRequest): Promise<InvocationRecord> {
    try {
      // INVOKE puts the id in the record
      const outcome = this.start(request, INVOKE) as InvocationRecord | Promise<InvocationRecord>;
      return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what was thrown, as thrown
      return Promise.reject(error);
    }
  }

  /**
   * {@link invoke} for the batch listeners' hot path: when the handler returns synchronously (and no retry
   * is due), the outcome comes back at once instead of in a promise, so a batch of quick handlers runs
   * without a microtask per message; and the invocation id is made text only if something reads it (a log
   * line, the handler, `onInvocation`). Throws only what reporting the outcome threw.
   *
   * `clock`: the listener's HandoffClock (see RunClock). The invocation starts at the reading the one
   * before it left, when the listener started it right after another that ended at once (nothing but the
   * listener's own step in between; see forEachConcurrent's `continued`, and `stale`). If this one ends at
   * once too it leaves its own reading, so a run of quick handlers reads the clock once per invocation
   * instead of twice (a reading costs as much as a quick handler). A reading is left only when nothing but
   * the host's bookkeeping runs after it: not after a failure (its error line), not when the function
   * logs its Executed line and not when someone receives records (onInvocation, tap), whose time would
   * count in the next duration.
   */
  invokeNow(
    request: InvocationRequest,
    clock?: HandoffClock,
  ): InvocationOutcome | Promise<InvocationOutcome> {
    // INVOKE_NOW wants the outcome
    return this.start(request, INVOKE_NOW, clock) as InvocationOutcome | Promise<InvocationOutcome>;
  }

  /**
   * {@link invokeNow} for a caller that needs no outcome (the Pub/Sub listener): undefined when the
   * invocation ended at once, else a promise that settles when it has. The attempt is logged and reported
   * (onEnded, onInvocation) as any other; only the outcome object nobody would read is not made. With the
   * messageClock, a quick invocation's duration reaches onEnded when its group is timed (MessageClock).
   */
  invokeNowUnreported(request: InvocationRequest, clock?: MessageClock): Promise<unknown> | undefined {
    const ended = this.start(request, INVOKE_UNREPORTED, clock);
    return ended instanceof Promise ? ended : undefined;
  }

  /**
   * {@link invokeNowUnreported} of a message, from its parts: the Pub/Sub listener's hot path, which makes
   * no request object (a function with a retry policy gets one). True when the invocation ended at once;
   * false when it runs on, and then `ending` is told exactly once when it has ended (see MessageEnding).
   * While nothing needs an attempt's record or lines (see quickAttempt), a handler that returns at once
   * costs its context and nothing more, and one that returns a promise ends in that promise's own
   * reaction (no promise of the invoker's, no hop per caller). Throws only what reporting the outcome threw.
   */
  invokeMessage(
    fn: ResolvedFunction,
    input: unknown,
    triggerMetadata: Record<string, unknown>,
    reason: string,
    clock: MessageClock,
    ending: MessageEnding,
  ): boolean {
    if (fn.retry !== undefined)
      return endsAt(this.invokeNowUnreported({ fn, input, triggerMetadata, reason }, clock), ending);
    this.inFlight++;
    if (this.quickMessages && !clock.busy && !this.options.tap?.receiver)
      return this.quickAttempt(fn, input, triggerMetadata, reason, clock, ending);
    const ended = this.attemptOf(fn, input, triggerMetadata, reason, undefined, INVOKE_UNREPORTED, clock);
    return endsAt(ended instanceof Promise ? ended : undefined, ending);
  }

  /**
   * An unreported attempt of a message whose function logs no Executing/Executed lines, when nobody
   * receives records, nothing keeps log lines and no tracing SDK is registered (the caller checks what it
   * can before the function's state is at hand): its context logs through the function's FunctionLines,
   * and its Attempt is made only when the handler fails or returns a promise. A handler that returns at
   * once leaves its duration to the clock, as in settle. Ends the invocation, also when it throws.
   */
  private quickAttempt(
    fn: ResolvedFunction,
    input: unknown,
    triggerMetadata: Record<string, unknown>,
    reason: string,
    clock: MessageClock,
    ending: MessageEnding,
  ): boolean {
    let state: FunctionState;
    try {
      state = this.states.of(fn);
    } catch (error) {
      this.finish();
      throw error;
    }
    if (state.logsLines) {
      const ended = this.attemptOf(fn, input, triggerMetadata, reason, undefined, INVOKE_UNREPORTED, clock);
      return endsAt(ended instanceof Promise ? ended : undefined, ending);
    }
    // A function whose handler awaited last time most likely awaits again: it is timed alone (no group it
    // would end at once, no end of run scheduled for nothing every message), still busy on the clock.
    const alone = state.awaited;
    const started = alone ? clock.alone() : clock.begin(fn.name, false);
    const context = RedisInvocationContext.forInvocation(state.source, fn.name, triggerMetadata, undefined);
    let running: unknown;
    let thenable: boolean;
    try {
      running = this.runHandler(fn, input, context);
      thenable = isThenable(running); // reads `then`, which a handler's odd value may make throw
    } catch (error) {
      const run = new Attempt(
        fn,
        input,
        triggerMetadata,
        reason,
        undefined,
        INVOKE_UNREPORTED,
        state,
        undefined,
        started,
        context,
      );
      this.settle(run, 'failed', error, clock);
      return true;
    }
    if (!thenable) {
      state.awaited = false;
      if (alone) this.reportSucceeded(fn.name, performance.now() - clock.release(started), 1);
      else clock.endQuick(); // the MessageClock reports its duration
      this.finish();
      return true;
    }
    state.awaited = true;
    // its own start, before functionTimeout counts. (Made here, like the failed one above, not through a
    // shared helper: with one, an awaiting message measured about 600 instructions more.)
    const run = new Attempt(
      fn,
      input,
      triggerMetadata,
      reason,
      undefined,
      INVOKE_UNREPORTED,
      state,
      undefined,
      clock.release(started),
      context,
    );
    this.whenSettled(run, running as PromiseLike<unknown>, ending);
    return false;
  }

  private start(request: InvocationRequest, mode: AttemptMode, clock?: RunClock): Ended {
    this.inFlight++;
    const retrying = request.fn.retry !== undefined || (request.firstAttempt ?? 1) > 1;
    if (!retrying) return this.attempt(request, mode, clock); // ends the invocation, also when it throws
    if (clock && !clock.busy) clock.stale(); // a nested one leaves the outer one's clock alone
    const retried = mode.withId ? RETRIED_WITH_ID : RETRIED;
    return this.invokeWithRetries(request, retried).finally(() => this.finish());
  }

  /** Attempts in a RETRIED mode, which makes every attempt's outcome. */
  private async invokeWithRetries(request: InvocationRequest, mode: AttemptMode): Promise<InvocationOutcome> {
    const policy = request.fn.retry;
    const { signal } = this.closingSignal;
    const maxRetryCount = policy && Number.isFinite(policy.maxRetryCount) ? policy.maxRetryCount : -1;
    const first = Math.max(1, request.firstAttempt ?? 1);
    let record = (await this.attempt(
      first > 1 ? { ...request, retryContext: { retryCount: first - 1, maxRetryCount } } : request,
      mode,
    )) as InvocationOutcome;
    for (
      let retry = first;
      policy && retry <= policy.maxRetryCount && isRetryable(record) && !signal.aborted;
      retry++
    ) {
      const delay = retryDelayMs(policy, retry);
      await request.retries?.failed(retry, delay);
      await sleep(delay, signal);
      if (signal.aborted) break;
      if (request.retries && !(await request.retries.resume(retry + 1))) break;
      this.options.onRetry?.(request.fn);
      const retryContext = { retryCount: retry, maxRetryCount };
      record = (await this.attempt({ ...request, retryContext }, mode)) as InvocationOutcome;
    }
    return record;
  }

  /**
   * One attempt: the handler (with its input and output bindings) under functionTimeout. A synchronous
   * handler's outcome is returned as it is; otherwise a promise that never rejects (unless reporting the
   * outcome throws). The hot path of every trigger: a synchronous handler costs no promise and no closure,
   * and a deadline is set only while a handler's promise is pending (a synchronous handler cannot outlive
   * its timeout). A mode that `endsInvocation` ends the invocation (finish) exactly once, also when this
   * throws.
   */
  private attempt(request: InvocationRequest, mode: AttemptMode, clock?: RunClock): Ended {
    const { fn, input, triggerMetadata, reason, retryContext } = request;
    return this.attemptOf(fn, input, triggerMetadata, reason, retryContext, mode, clock);
  }

  /** {@link attempt}, from the request's parts. */
  private attemptOf(
    fn: ResolvedFunction,
    input: unknown,
    triggerMetadata: Record<string, unknown>,
    reason: string,
    retryContext: RetryContext | undefined,
    mode: AttemptMode,
    clock: RunClock | undefined,
  ): Ended {
    // one begun inside another's handler is timed on its own: the clock belongs to the outer one
    if (clock?.busy) clock = undefined;
    let state: FunctionState;
    try {
      state = this.states.of(fn);
    } catch (error) {
      if (mode.endsInvocation) this.finish();
      throw error;
    }
    const { onInvocation, tap } = this.options;
    const tapped = tap?.receiver;
    const run = new Attempt(
      fn,
      input,
      triggerMetadata,
      reason,
      retryContext,
      mode,
      state,
      this.options.recordLogs || tapped ? [] : undefined,
      // `alone`: an attempt whose lines are logged or whose record is received never ends quick
      clock
        ? clock.begin(fn.name, state.logsLines || onInvocation !== undefined || tapped !== undefined)
        : performance.now(),
    );
    let context: RedisInvocationContext;
    let running: unknown;
    let thenable: boolean;
    try {
      context = this.context(run);
      running = this.tracing
        ? this.runTraced(this.tracing, run, context)
        : this.runHandler(fn, input, context);
      thenable = isThenable(running); // reads `then`, which a handler's odd value may make throw
    } catch (error) {
      return this.settle(run, 'failed', error, clock);
    }
    if (!thenable) return this.settle(run, 'succeeded', running, clock);
    if (clock) run.started = clock.release(run.started); // its own start, before functionTimeout counts
    return this.awaitHandler(run, running as PromiseLike<unknown>);
  }

  /** The end of an attempt whose handler returned a promise (or another thenable), under functionTimeout. */
  private awaitHandler(run: Attempt, pending: PromiseLike<unknown>): Promise<InvocationOutcome | undefined> {
    return new Promise((resolve, reject) =>
      this.whenSettled(run, pending, { resolved: resolve, rejected: reject }),
    );
  }

  /**
   * Settles an attempt whose handler returned a promise (or another thenable) when it settles, or when
   * functionTimeout expires first, and tells `ending`: `resolved` with what settle returned, or `rejected`
   * with what it threw (reporting the outcome failed).
   */
  private whenSettled(run: Attempt, pending: PromiseLike<unknown>, ending: MessageEnding): void {
    const timeoutMs = this.options.host.functionTimeoutMs;
    let settled = false;
    /** A thenable may call back inside `then`: its ending is then told in a microtask, as a promise's. */
    let inThen = true;
    const finish = (status: InvocationStatus, outcome: unknown): void => {
      if (settled) return;
      settled = true;
      cancel?.();
      let ended: InvocationOutcome | undefined;
      let failed = false;
      let thrown: unknown;
      try {
        ended = this.settle(run, status, outcome, undefined);
      } catch (error) {
        failed = true; // only if reporting the outcome failed
        thrown = error;
      }
      if (inThen) queueMicrotask(() => tell(ending, failed, thrown, ended));
      else tell(ending, failed, thrown, ended);
    };
    // functionTimeout bounds the whole invocation, as in Azure: counted from its start, synchronous part
    // included (`started` is this invocation's own reading, or one handed on a moment before it).
    const cancel =
      timeoutMs === undefined
        ? undefined
        : this.deadlines.add(
            timeoutMs,
            () => {
              const error = new FunctionTimeoutError(run.fn.name, timeoutMs);
              run.context.abortWith(error); // tells the handler to stop; the invocation is Failed either way
              finish('failed', error);
            },
            run.started,
          );
    try {
      pending.then(
        (value) => finish('succeeded', value),
        (error: unknown) => finish('failed', error),
      );
    } catch (error) {
      finish('failed', error); // a `then` that throws
    }
    inThen = false;
  }

  /**
   * Ends an attempt: its duration, its record or outcome (see record), and the invocation if it ends it.
   * `clock`: the listener's RunClock, for an attempt that ended at once: it is told how (see RunClock),
   * and a quick one may leave its duration to it (MessageClock), which then reports it.
   */
  private settle(
    run: Attempt,
    status: InvocationStatus,
    outcome: unknown,
    clock: RunClock | undefined,
  ): InvocationOutcome | undefined {
    let now: number;
    if (clock) {
      const { onInvocation, tap } = this.options;
      if (status === 'succeeded' && !onInvocation && !tap?.receiver && !run.state.logsLines) {
        now = clock.endQuick();
        if (now < 0) return this.endTimedLater(run, outcome);
      } else {
        now = performance.now();
        run.started = clock.release(run.started, now);
      }
    } else now = performance.now();
    if (run.span) this.tracing?.end(run.span, status === 'failed', outcome);
    try {
      return this.record(run, status, outcome, now - run.started);
    } finally {
      if (run.mode.endsInvocation) this.finish();
    }
  }

  /** The end of a quick attempt whose duration its clock reports (only an unreported mode's attempts). */
  private endTimedLater(run: Attempt, outcome: unknown): undefined {
    if (run.span) this.tracing?.end(run.span, false, outcome);
    if (run.mode.endsInvocation) this.finish();
    return undefined;
  }

  /**
   * runHandler inside the attempt's span (see InvocationTracing), which settle ends. Kept out of attempt, so
   * that without an SDK the hot path stays as small as it was.
   */
  private runTraced(tracing: InvocationTracing, run: Attempt, invocation: RedisInvocationContext): unknown {
    const { fn, input, retryContext } = run;
    const { span, context } = tracing.start({
      functionName: fn.name,
      triggerType: fn.triggerType,
      invocationId: run.id,
      input,
      triggerMetadata: run.triggerMetadata,
      retryCount: retryContext?.retryCount,
      maxRetryCount: retryContext?.maxRetryCount,
    });
    run.span = span;
    return otelContext.with(context, () => this.runHandler(fn, input, invocation));
  }

  /** The attempt's InvocationContext, after its Executing line (when the function logs them). */
  private context(run: Attempt): RedisInvocationContext {
    const { fn, state } = run;
    if (state.logsLines) {
      const ids = run.idFields;
      state.lines.info(
        ids,
        `Executing 'Functions.${fn.name}' (Reason='${run.reason}', Id=${ids.invocationId})`,
      );
    }
    return run.context;
  }

  /**
   * Logs the Executed line and reports the finished attempt (onEnded, onInvocation). Returns its record,
   * id included, when the mode or onInvocation wants one; otherwise its outcome, so that an id nobody reads
   * is never made text; or nothing, when neither the mode nor onInvocation wants an outcome.
   */
  private record(
    run: Attempt,
    status: InvocationStatus,
    outcome: unknown,
    durationMs: number,
  ): InvocationOutcome | undefined {
    const { mode } = run;
    const functionName = run.fn.name;
    if (status === 'failed' || run.state.logsLines) logExecuted(run, status, outcome, durationMs);
    const { onEnded, onInvocation } = this.options;
    onEnded?.(functionName, status, durationMs, 1);
    const tapped = this.options.tap?.receiver;
    if (!onInvocation && !tapped && !mode.withOutcome) return undefined;
    if (!mode.withId && !onInvocation && !tapped) return outcomeOf(run, status, outcome, durationMs);
    // The record is the outcome with its id first (one object, not an outcome copied into a record).
    const record = recordOf(run, status, outcome, durationMs);
    onInvocation?.(record);
    tapped?.(record, run.reason);
    return record;
  }

  /** The handler, with input bindings before it and output bindings after it when the function has any. */
  private runHandler(fn: ResolvedFunction, input: unknown, context: InvocationContext): unknown {
    if (fn.inputs.length === 0 && fn.outputs.length === 0) return fn.definition.handler(input, context);
    return this.runWithBindings(fn, input, context);
  }

  /** Input bindings, the handler, then output bindings (only after success; their errors fail it). */
  private async runWithBindings(
    fn: ResolvedFunction,
    input: unknown,
    context: InvocationContext,
  ): Promise<unknown> {
    const commands = this.options.commands ?? (() => undefined);
    if (fn.inputs.length > 0) await resolveInputs(fn.inputs, context, commands);
    const result = await fn.definition.handler(input, context);
    if (fn.outputs.length > 0) await runOutputs(fn.outputs, context, result, commands);
    return result;
  }

  private finish(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** Tells `ending` how an attempt ended: what settle returned, or what it threw. */
function tell(ending: MessageEnding, failed: boolean, thrown: unknown, ended: unknown): void {
  if (failed) ending.rejected(thrown);
  else ending.resolved(ended);
}

/**
 * Tells `ending` when `pending` settles (true, ended at once, when there is none): the message paths that
 * have a promise already (retries, logged lines, records).
 */
function endsAt(pending: Promise<unknown> | undefined, ending: MessageEnding): boolean {
  if (!pending) return true;
  pending.then(
    (outcome) => ending.resolved(outcome),
    (error: unknown) => ending.rejected(error),
  );
  return false;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isRetryable(record: InvocationOutcome): boolean {
  return record.status === 'failed' && !(record.error instanceof NonRetryableError);
}
