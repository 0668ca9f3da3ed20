import { format } from 'node:util';
import type { InvocationContextInit, LogLevel, RetryContext } from '@azure/functions';
import type { Span } from '@opentelemetry/api';
import { contextLevelToPino } from '../config/log-levels';
import { RedisInvocationContext, type ContextSource } from './abort-signal';
import type { Logger } from '../logging';
import type { ResolvedFunction } from '../triggers/trigger';
import { errorMessage } from '../errors';
import type { FunctionState } from './function-state';
import type { AttemptMode, InvocationOutcome, InvocationRecord, InvocationStatus } from './invocation';

/**
 * One attempt under way: what it runs (its request's parts, not the request: a Pub/Sub message makes
 * none), how, since when, and its context. It receives its context's log calls (a LineSink), keeping them
 * when logs are recorded, so that an invocation costs no closure. Plain fields set in the constructor:
 * the cheapest object V8 makes.
 */
export class Attempt implements ContextSource {
  /** Its invocation span, when tracing. */
  span: Span | undefined;
  /** The handler's InvocationContext: its own (its log calls come here), or the one given. */
  readonly context: RedisInvocationContext;

  constructor(
    readonly fn: ResolvedFunction,
    readonly input: unknown,
    readonly triggerMetadata: Record<string, unknown>,
    /** Why it runs (InvocationRequest.reason). */
    readonly reason: string,
    readonly retryContext: RetryContext | undefined,
    readonly mode: AttemptMode,
    readonly state: FunctionState,
    /** The handler's log lines, when kept (recordLogs). */
    readonly logs: { level: string; message: string }[] | undefined,
    /** Its start (a RunClock may correct it once its synchronous part ends). */
    public started: number,
    /** A context made before it (the invoker's quick path, whose contexts log through FunctionLines). */
    context?: RedisInvocationContext,
  ) {
    this.span = undefined;
    this.context =
      context ?? RedisInvocationContext.forInvocation(this, fn.name, triggerMetadata, retryContext);
  }

  /** The invocation id: `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`, the same text every time. */
  get id(): string {
    return RedisInvocationContext.idOf(this.context);
  }

  /** Its function's bindings (`context.options`). */
  get bindings(): FunctionState['contextOptions'] {
    return this.state.contextOptions;
  }

  /** `{ invocationId }`, the field of its lines (cheaper than a child logger). */
  get idFields(): { readonly invocationId: string } {
    return { invocationId: this.id };
  }

  /** A `context.log` call: kept when logs are recorded, logged at the function's level. */
  line(level: LogLevel, args: readonly unknown[]): void {
    const message = logMessage(args);
    this.logs?.push({ level, message });
    logLine(this.state.lines, level, message, this.context);
  }
}

/**
 * The source of the contexts the invoker makes without an attempt (a quick Pub/Sub invocation, see
 * Invoker.invokeMessage): one per function, logging a context's lines at the function's level with the
 * context's own invocation id. It keeps no lines (such invocations record none).
 */
export class FunctionLines implements ContextSource {
  constructor(
    private readonly lines: Logger,
    readonly bindings: InvocationContextInit['options'],
  ) {}

  line(level: LogLevel, args: readonly unknown[], context: RedisInvocationContext): void {
    logLine(this.lines, level, logMessage(args), context);
  }
}

/** A handler's line at its level, when the function's logger logs that level. */
function logLine(log: Logger, level: LogLevel, message: string, context: RedisInvocationContext): void {
  const pinoLevel = contextLevelToPino(level);
  if (pinoLevel !== 'silent' && log.isLevelEnabled(pinoLevel))
    log[pinoLevel]({ invocationId: RedisInvocationContext.idOf(context) }, message);
}

/**
 * A `context.log` line's text, as util.format makes it. Most lines are strings with no `%` in the first:
 * those are joined as util.format would join them, without its parsing and formatting machinery.
 */
function logMessage(args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first !== 'string' || first.includes('%')) return format(...args);
  let message = first;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'string') return format(...args);
    message += ` ${arg}`;
  }
  return message;
}

const NO_LOGS: InvocationRecord['logs'] = Object.freeze([]);

/** An ended attempt's outcome, without its id (so that an id nobody reads is never made text). */
export function outcomeOf(
  run: Attempt,
  status: InvocationStatus,
  outcome: unknown,
  durationMs: number,
): InvocationOutcome {
  const functionName = run.fn.name;
  const { input, triggerMetadata } = run;
  const logs = run.logs ?? NO_LOGS;
  const attempt = (run.retryContext?.retryCount ?? 0) + 1;
  return status === 'succeeded'
    ? { functionName, input, triggerMetadata, status, result: outcome, durationMs, attempt, logs }
    : { functionName, input, triggerMetadata, status, error: outcome, durationMs, attempt, logs };
}

/** An ended attempt's record: its outcome with its id first (one object, not an outcome copied). */
export function recordOf(
  run: Attempt,
  status: InvocationStatus,
  outcome: unknown,
  durationMs: number,
): InvocationRecord {
  const invocationId = run.id;
  const functionName = run.fn.name;
  const { input, triggerMetadata } = run;
  const logs = run.logs ?? NO_LOGS;
  const attempt = (run.retryContext?.retryCount ?? 0) + 1;
  return status === 'succeeded'
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
}

/** The Executed line of an attempt: Succeeded when the function logs them, Failed at error level. */
export function logExecuted(
  run: Attempt,
  status: InvocationStatus,
  outcome: unknown,
  durationMs: number,
): void {
  const { state } = run;
  const executed = (result: string): string =>
    `Executed 'Functions.${run.fn.name}' (${result}, Id=${run.id}, Duration=${Math.round(durationMs)}ms)`;
  if (status === 'succeeded') state.lines.info({ invocationId: run.id }, executed('Succeeded'));
  else if (state.failures.isLevelEnabled('error')) {
    const err = outcome instanceof Error ? outcome : { message: errorMessage(outcome) };
    state.failures.error({ invocationId: run.id, err }, executed('Failed'));
  }
}
