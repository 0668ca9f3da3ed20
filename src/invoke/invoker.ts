import { performance } from 'node:perf_hooks';
import { context as otelContext } from '@opentelemetry/api';
import { InvocationContext, type InvocationContextInit, type RetryContext } from '@azure/functions';
import type { HostConfig } from '../config/host-json';
import type { PinoLevel } from '../config/log-levels';
import { FunctionTimeoutError, NonRetryableError, errorMessage } from '../errors';
import { sleep } from '../timers';
import type { Logger } from '../logging';
import type { CommandPort } from '../triggers/ports';
import type { ResolvedFunction } from '../triggers/trigger';
import { resolveInputs, runOutputs } from './redis-bindings';
import { RedisInvocationContext } from './abort-signal';
import { Attempt } from './attempt';
import { Deadlines, tickFor } from './deadlines';
import { retryDelayMs } from './retry-policy';
import { InvocationTracing, tracingRegistered } from './tracing';
import type { InvocationTap } from './invocation-tap';
import { MessageClock, type HandoffClock, type RunClock } from './run-clocks';

export type InvocationStatus = 'succeeded' | 'failed';

export interface InvocationRequest {
  readonly fn: ResolvedFunction;
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
  /** Why it runs, as in the host's `Executing ... (Reason='...')` line. */
  readonly reason: string;
  readonly retryContext?: RetryContext;
  /** The number this run counts as (a stream entry's delivery count): retries go on from there. */
  readonly firstAttempt?: number;
  /** Keeps the retries' progress where another process can pick it up (stream entries in Redis). */
  readonly retries?: RetryStore;
}

/** Where a trigger records a message's retries, so that they survive the host (see StreamListener). */
export interface RetryStore {
  /** Attempt `attempts` failed and the next runs in `delayMs`: record that. */
  failed(attempts: number, delayMs: number): Promise<void>;
  /** Attempt `attempt` is due: take the message back; false when it is no longer this host's to run. */
  resume(attempt: number): Promise<boolean>;
}

/** How an attempt ended, as the triggers and the host's metrics see it: its record without the id. */
export interface InvocationOutcome {
  readonly functionName: string;
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
  readonly status: InvocationStatus;
  readonly result?: unknown;
  readonly error?: unknown;
  readonly durationMs: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The handler's `context.log` lines, when the invoker keeps them (`recordLogs`); empty otherwise. */
  readonly logs: readonly { readonly level: string; readonly message: string }[];
}

/** One finished attempt, as `invoke` returns it and `onInvocation` (the test host) receives it. */
export interface InvocationRecord extends InvocationOutcome {
  readonly invocationId: string;
}

const NO_LOGS: InvocationRecord['logs'] = Object.freeze([]);

/** An attempt's end: its outcome (when its mode wants one), at once or in a promise. */
type Ended = InvocationOutcome | undefined | Promise<InvocationOutcome | undefined>;

export type { RunClock } from './run-clocks';

/**
 * How an attempt runs: whether it ends the invocation, has its id in its record, and whether its caller
 * wants its outcome (a caller that wants none gets undefined, unless someone receives records).
 */
export interface AttemptMode {
  readonly endsInvocation: boolean;
  readonly withId: boolean;
  readonly withOutcome: boolean;
}

const INVOKE: AttemptMode = { endsInvocation: true, withId: true, withOutcome: true };
const INVOKE_NOW: AttemptMode = { endsInvocation: true, withId: false, withOutcome: true };
const INVOKE_UNREPORTED: AttemptMode = { endsInvocation: true, withId: false, withOutcome: false };
/** Retries need each attempt's outcome (is it retryable?). */
const RETRIED: AttemptMode = { endsInvocation: false, withId: false, withOutcome: true };
const RETRIED_WITH_ID: AttemptMode = { ...RETRIED, withId: true };

export interface InvokerOptions {
  readonly logger: Logger;
  readonly host: HostConfig;
  /** Lowest level for every function (e.g. `debug` with --verbose); host.json levels apply otherwise. */
  readonly minimumLevel?: PinoLevel;
  /**
   * Called with each finished attempt's function, status and duration (the host's metrics); `count`
   * attempts at once, `durationMs` each, when the Pub/Sub clock timed them together (see MessageClock).
   */
  readonly onEnded?: (
    functionName: string,
    status: InvocationStatus,
    durationMs: number,
    count: number,
  ) => void;
  /** Called with each finished attempt's record, id included (the test host keeps them). */
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** Keep each invocation's `context.log` lines in its record (`logs`; the test host shows them). */
  readonly recordLogs?: boolean;
  /**
   * Records for whoever subscribes at runtime (the board): while someone does, records are built with
   * their log lines as for onInvocation; while nobody does, this costs one property read per attempt.
   */
  readonly tap?: InvocationTap;
  /** Called before each retry attempt. */
  readonly onRetry?: (fn: ResolvedFunction) => void;
  /** Where `redis` input and output bindings run their commands, per connection setting. */
  readonly commands?: (connection: string) => CommandPort | undefined;
}

/**
 * Runs one handler: builds a real InvocationContext, logs the host's Executing/Executed lines, applies
 * functionTimeout, and never throws (a failing handler is a failed invocation, not a failed host).
 */
export class Invoker {
  private readonly perFunction = new WeakMap<ResolvedFunction, FunctionState>();
  /** The function of the last invocation and its state: most invocations follow one of the same function. */
  private lastFunction: ResolvedFunction | undefined;
  private lastState: FunctionState | undefined;
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
  readonly messageClock = new MessageClock((name, ms, count) => this.reportGroup(name, ms, count));

  /** A MessageClock group's invocations to onEnded; what that throws is logged (a clock's report never throws). */
  private reportGroup(functionName: string, ms: number, count: number): void {
    try {
      this.options.onEnded?.(functionName, 'succeeded', ms, count);
    } catch (error) {
      this.options.logger.error(
        { functionName, err: errorMessage(error) },
        `Reporting ${count} invocation(s) of '${functionName}' failed`,
      );
    }
  }

  constructor(private readonly options: InvokerOptions) {
    this.deadlines = new Deadlines(tickFor(options.host.functionTimeoutMs ?? 1000));
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
   * no request object (a function with a retry policy gets one).
   */
  invokeMessage(
    fn: ResolvedFunction,
    input: unknown,
    triggerMetadata: Record<string, unknown>,
    reason: string,
    clock: MessageClock,
  ): Promise<unknown> | undefined {
    if (fn.retry !== undefined)
      return this.invokeNowUnreported({ fn, input, triggerMetadata, reason }, clock);
    this.inFlight++;
    const ended = this.attemptOf(fn, input, triggerMetadata, reason, undefined, INVOKE_UNREPORTED, clock);
    return ended instanceof Promise ? ended : undefined;
  }

  private start(request: InvocationRequest, mode: AttemptMode, clock?: RunClock): Ended {
    this.inFlight++;
    const retrying = request.fn.retry !== undefined || (request.firstAttempt ?? 1) > 1;
    if (!retrying) return this.attempt(request, mode, clock); // ends the invocation, also when it throws
    if (clock) clock.stale();
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
      state = this.functionState(fn);
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
    return this.awaitHandler(run, running as PromiseLike<unknown>, context);
  }

  /** The end of an attempt whose handler returned a promise (or another thenable), under functionTimeout. */
  private awaitHandler(
    run: Attempt,
    pending: PromiseLike<unknown>,
    context: RedisInvocationContext,
  ): Promise<InvocationOutcome | undefined> {
    const timeoutMs = this.options.host.functionTimeoutMs;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (status: InvocationStatus, outcome: unknown): void => {
        if (settled) return;
        settled = true;
        cancel?.();
        try {
          resolve(this.settle(run, status, outcome, undefined));
        } catch (error) {
          // only if reporting the outcome failed: the caller gets what was thrown
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        }
      };
      const timedOut = (ms: number) => (): void => {
        const error = new FunctionTimeoutError(run.fn.name, ms);
        context.abortWith(error); // tells the handler to stop; the invocation is Failed either way
        finish('failed', error);
      };
      // functionTimeout bounds the whole invocation, as in Azure: counted from its start, synchronous part
      // included (`started` is this invocation's own reading, or one handed on a moment before it).
      const cancel =
        timeoutMs === undefined ? undefined : this.deadlines.add(timeoutMs, timedOut(timeoutMs), run.started);
      try {
        pending.then(
          (value) => finish('succeeded', value),
          (error: unknown) => finish('failed', error),
        );
      } catch (error) {
        finish('failed', error); // a `then` that throws
      }
    });
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
      invocationId: run.id.value,
      input,
      triggerMetadata: run.triggerMetadata,
      retryCount: retryContext?.retryCount,
      maxRetryCount: retryContext?.maxRetryCount,
    });
    run.span = span;
    return otelContext.with(context, () => this.runHandler(fn, input, invocation));
  }

  /** The attempt's InvocationContext (its log lines carry the invocation id), after its Executing line. */
  private context(run: Attempt): RedisInvocationContext {
    const { fn, state } = run;
    const context = RedisInvocationContext.forInvocation(run, fn.name, run.triggerMetadata, run.retryContext);
    if (state.logsLines) {
      const ids = run.idFields;
      state.lines.info(
        ids,
        `Executing 'Functions.${fn.name}' (Reason='${run.reason}', Id=${ids.invocationId})`,
      );
    }
    return context;
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
    const logs = run.logs ?? NO_LOGS;
    const attempt = (run.retryContext?.retryCount ?? 0) + 1;
    const { input, triggerMetadata } = run;
    if (!mode.withId && !onInvocation && !tapped) {
      return status === 'succeeded'
        ? { functionName, input, triggerMetadata, status, result: outcome, durationMs, attempt, logs }
        : { functionName, input, triggerMetadata, status, error: outcome, durationMs, attempt, logs };
    }
    // The record is the outcome with its id first (one object, not an outcome copied into a record).
    const invocationId = run.id.value;
    const record: InvocationRecord =
      status === 'succeeded'
        ? {
            invocationId,
            functionName,
            input,
            triggerMetadata,
            status,
            result: outcome,
            durationMs,
            attempt,
            logs,
          }
        : {
            invocationId,
            functionName,
            input,
            triggerMetadata,
            status,
            error: outcome,
            durationMs,
            attempt,
            logs,
          };
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

  /**
   * What every invocation of a function shares, made at its first: its loggers at its host.json level and
   * the binding options of its contexts. The invocation lines carry only the invocation id and text (pino
   * does not redact text), so they skip the redaction pass, which costs about as much as the rest of a line;
   * failures, whose `err` may hold anything, keep it.
   */
  private functionState(fn: ResolvedFunction): FunctionState {
    if (fn === this.lastFunction && this.lastState) return this.lastState;
    let state = this.perFunction.get(fn);
    if (!state) {
      const { name, definition } = fn;
      const { logLevels } = this.options.host;
      const configured = logLevels.perFunction[name.toLowerCase()] ?? logLevels.function ?? logLevels.default;
      // A silent root (the test host) stays silent; otherwise host.json levels apply per function.
      const level =
        this.options.logger.level === 'silent' ? 'silent' : lowest(configured, this.options.minimumLevel);
      const root = this.options.logger;
      const lines = root.child({ functionName: name }, { redact: { paths: [] }, level });
      state = {
        lines,
        logsLines: lines.isLevelEnabled('info'),
        failures: root.child({ functionName: name }, { level }),
        contextOptions: {
          trigger: definition.trigger,
          extraInputs: definition.extraInputs as never,
          extraOutputs: definition.extraOutputs as never,
          return: definition.returnBinding,
        },
      };
      this.perFunction.set(fn, state);
    }
    this.lastFunction = fn;
    this.lastState = state;
    return state;
  }
}

/** What every invocation of a function shares (see functionState). */
export interface FunctionState {
  /** Executing/Executed and the handler's own lines: no redaction pass. */
  readonly lines: Logger;
  /** Whether `lines` logs the Executing/Executed lines (Information): its level is set once, here. */
  readonly logsLines: boolean;
  /** Failed invocations (their error objects are redacted). */
  readonly failures: Logger;
  /** The binding options of its contexts (`context.options`). */
  readonly contextOptions: NonNullable<InvocationContextInit['options']>;
}

const ORDER: readonly PinoLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function lowest(a: PinoLevel, b: PinoLevel | undefined): PinoLevel {
  return b !== undefined && ORDER.indexOf(b) < ORDER.indexOf(a) ? b : a;
}

/** The Executed line of an attempt: Succeeded when the function logs them, Failed at error level. */
function logExecuted(run: Attempt, status: InvocationStatus, outcome: unknown, durationMs: number): void {
  const { state } = run;
  const executed = (result: string): string =>
    `Executed 'Functions.${run.fn.name}' (${result}, Id=${run.id.value}, Duration=${Math.round(durationMs)}ms)`;
  if (status === 'succeeded') state.lines.info({ invocationId: run.id.value }, executed('Succeeded'));
  else if (state.failures.isLevelEnabled('error')) {
    const err = outcome instanceof Error ? outcome : { message: errorMessage(outcome) };
    state.failures.error({ invocationId: run.id.value, err }, executed('Failed'));
  }
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
