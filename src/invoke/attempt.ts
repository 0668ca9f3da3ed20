import { format } from 'node:util';
import type { LogLevel } from '@azure/functions';
import type { Span } from '@opentelemetry/api';
import { contextLevelToPino } from '../config/log-levels';
import type { ContextSource } from './abort-signal';
import { invocationId } from './invocation-id';
import type { RetryContext } from '@azure/functions';
import type { ResolvedFunction } from '../triggers/trigger';
import type { AttemptMode, FunctionState } from './invoker';

/**
 * One attempt under way: what it runs (its request's parts, not the request: a Pub/Sub message makes
 * none), how, and since when. It is its invocation's id (`value`: made text when first read) and it
 * receives its context's log calls (a LineSink), so that an invocation costs no closure and no id object
 * of its own. Plain fields set in the constructor: the cheapest object V8 makes.
 */
export class Attempt implements ContextSource {
  /** Its invocation span, when tracing. */
  span: Span | undefined;
  private text: string | undefined;

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
  ) {
    this.span = undefined;
    this.text = undefined;
  }

  /** The invocation id: `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`, the same text every time. */
  get value(): string {
    return (this.text ??= invocationId());
  }

  /** Its function's bindings (`context.options`). */
  get bindings(): FunctionState['contextOptions'] {
    return this.state.contextOptions;
  }

  /** The invocation's id (this attempt). */
  get id(): { readonly value: string } {
    return this;
  }

  /** `{ invocationId }`, the field of its lines (cheaper than a child logger). */
  get idFields(): { readonly invocationId: string } {
    return { invocationId: this.value };
  }

  /** A `context.log` call: kept when logs are recorded, logged at the function's level. */
  line(level: LogLevel, args: readonly unknown[]): void {
    const message = logMessage(args);
    this.logs?.push({ level, message });
    const pinoLevel = contextLevelToPino(level);
    const log = this.state.lines;
    if (pinoLevel !== 'silent' && log.isLevelEnabled(pinoLevel)) log[pinoLevel](this.idFields, message);
  }
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
