import {
  InvocationContext,
  type EffectiveFunctionOptions,
  type InvocationContextExtraInputs,
  type InvocationContextExtraOutputs,
  type InvocationContextInit,
  type LogHandler,
  type LogLevel,
  type RetryContext,
  type TraceContext,
  type TriggerMetadata,
} from '@azure/functions';
import { invocationId } from './invocation-id';

/** `context.extraInputs` / `context.extraOutputs`: values by binding name (or by the binding object's name). */
class NamedValues implements InvocationContextExtraInputs, InvocationContextExtraOutputs {
  #values: Map<string, unknown> | undefined;

  get(inputOrName: { readonly name: string } | string): unknown {
    return this.#values?.get(typeof inputOrName === 'string' ? inputOrName : inputOrName.name);
  }

  set(inputOrName: { readonly name: string } | string, value: unknown): void {
    this.#values ??= new Map();
    this.#values.set(typeof inputOrName === 'string' ? inputOrName : inputOrName.name, value);
  }
}

const UNKNOWN = 'unknown';

/** Receives a context's log calls: the level, the call's arguments and the context that made it. */
export interface LineSink {
  line(level: LogLevel, args: readonly unknown[], context: RedisInvocationContext): void;
}

/** What a context makes only when asked, or is set (most invocations never do): one field instead of seven. */
interface LaterParts {
  invocationId?: string;
  extraInputs?: InvocationContextExtraInputs;
  extraOutputs?: InvocationContextExtraOutputs;
  options?: EffectiveFunctionOptions;
  controller?: AbortController;
  reason?: unknown;
  aborted?: boolean;
}

/**
 * What a context takes from its invocation: its function's bindings, where its log calls go and, when it
 * does not make its own, its id (`value`). The invoker's sources (an attempt, or one per function) give no
 * id: the context makes a new one when first read (see RedisInvocationContext.idOf).
 */
export interface ContextSource extends LineSink {
  readonly value?: string;
  readonly bindings: InvocationContextInit['options'];
}

/** The ContextSource of a context made from an init object (by a user, or a test). */
class InitSource implements ContextSource {
  #value: string | undefined;
  readonly #id: { readonly value: string } | undefined;
  readonly #lines: LineSink | undefined;
  readonly #logHandler: LogHandler | undefined;

  constructor(readonly init: RedisContextInit) {
    this.#value = init.invocationId || (init.id ? undefined : UNKNOWN);
    this.#id = init.id;
    this.#lines = init.lines;
    this.#logHandler = init.logHandler;
  }

  get value(): string {
    return (this.#value ??= this.#id?.value ?? UNKNOWN);
  }

  get bindings(): InvocationContextInit['options'] {
    return this.init.options;
  }

  line(level: LogLevel, args: readonly unknown[], context: RedisInvocationContext): void {
    if (this.#lines) this.#lines.line(level, args, context);
    else this.#logHandler?.(level, ...args);
  }
}

/**
 * `id`, when given, is the invocation id made text only if read (see Attempt). Log calls go to `lines`
 * when given (their arguments as one array, not spread again), else to `logHandler`.
 */
type RedisContextInit = InvocationContextInit & {
  readonly lines?: LineSink;
  readonly id?: { readonly value: string };
};

/**
 * The InvocationContext redis-func hands to handlers. It is an `InvocationContext` of @azure/functions
 * (`instanceof` holds; same members, defaults and log levels) built by its own constructor: the library's
 * keeps its private state in three WeakMaps per context, which on the hot path cost more than the rest of
 * an invocation (WeakMap entries are expensive to collect). It adds `abortSignal`, which aborts when the
 * invocation outlives host.json `functionTimeout`; its AbortController is made only when a handler asks.
 * `invocationId`, `options`, `extraInputs` and `extraOutputs` are made on first read, so they are accessors
 * (read and set like the library's fields, but not own properties: `{ ...context }` leaves them out).
 */
export class RedisInvocationContext implements InvocationContext {
  functionName: string;
  retryContext?: RetryContext;
  traceContext?: TraceContext;
  triggerMetadata?: TriggerMetadata;
  #later: LaterParts | undefined = undefined;
  #source: ContextSource | undefined;
  /** Its invocation's id, once read (a user's `invocationId = ...` does not change it). */
  #id: string | undefined = undefined;

  constructor(init?: RedisContextInit) {
    if (init === undefined) {
      this.functionName = UNKNOWN;
      this.#source = undefined;
      return;
    }
    this.functionName = init.functionName || UNKNOWN;
    this.retryContext = init.retryContext;
    this.traceContext = init.traceContext;
    this.triggerMetadata = init.triggerMetadata;
    this.#source = new InitSource(init);
  }

  /**
   * A context as the invoker makes one per invocation: its id, bindings and log calls from `source` (its
   * Attempt), without an init object per call.
   */
  static forInvocation(
    source: ContextSource,
    functionName: string,
    triggerMetadata: TriggerMetadata,
    retryContext: RetryContext | undefined,
  ): RedisInvocationContext {
    const context = new RedisInvocationContext();
    context.#source = source;
    context.functionName = functionName || UNKNOWN;
    context.retryContext = retryContext;
    context.triggerMetadata = triggerMetadata;
    return context;
  }

  /**
   * The id of the context's invocation, as the host logs and records it: its source's, or a new
   * `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx` made text when first read (with logs off most never are).
   */
  static idOf(context: RedisInvocationContext): string {
    return (context.#id ??= context.#source?.value ?? invocationId());
  }

  /** The function's bindings, made on first use (a context of its own each, as in @azure/functions). */
  get options(): EffectiveFunctionOptions {
    const later = (this.#later ??= {});
    const bindings = this.#source?.bindings;
    return (later.options ??= {
      trigger: bindings?.trigger ?? { name: UNKNOWN, type: UNKNOWN },
      return: bindings?.return,
      extraInputs: bindings?.extraInputs ?? [],
      extraOutputs: bindings?.extraOutputs ?? [],
    });
  }

  set options(value: EffectiveFunctionOptions) {
    (this.#later ??= {}).options = value;
  }

  get invocationId(): string {
    return this.#later?.invocationId ?? (this.#source ? RedisInvocationContext.idOf(this) : UNKNOWN);
  }

  set invocationId(value: string) {
    (this.#later ??= {}).invocationId = value;
  }

  /** Made on first use: most invocations have no extra bindings. */
  get extraInputs(): InvocationContextExtraInputs {
    return ((this.#later ??= {}).extraInputs ??= new NamedValues());
  }

  set extraInputs(value: InvocationContextExtraInputs) {
    (this.#later ??= {}).extraInputs = value;
  }

  get extraOutputs(): InvocationContextExtraOutputs {
    return ((this.#later ??= {}).extraOutputs ??= new NamedValues());
  }

  set extraOutputs(value: InvocationContextExtraOutputs) {
    (this.#later ??= {}).extraOutputs = value;
  }

  log(...args: unknown[]): void {
    this.#source?.line('information', args, this);
  }

  trace(...args: unknown[]): void {
    this.#source?.line('trace', args, this);
  }

  debug(...args: unknown[]): void {
    this.#source?.line('debug', args, this);
  }

  info(...args: unknown[]): void {
    this.#source?.line('information', args, this);
  }

  warn(...args: unknown[]): void {
    this.#source?.line('warning', args, this);
  }

  error(...args: unknown[]): void {
    this.#source?.line('error', args, this);
  }

  get abortSignal(): AbortSignal {
    const later = (this.#later ??= {});
    if (!later.controller) {
      later.controller = new AbortController();
      if (later.aborted) later.controller.abort(later.reason);
    }
    return later.controller.signal;
  }

  /** Ends the invocation's signal with `reason` (the FunctionTimeoutError). */
  abortWith(reason: unknown): void {
    const later = (this.#later ??= {});
    later.aborted = true;
    later.reason = reason;
    later.controller?.abort(reason);
  }
}
// An InvocationContext to every check a handler or library may make (instanceof, prototype methods).
Object.setPrototypeOf(RedisInvocationContext.prototype, InvocationContext.prototype);

/**
 * The AbortSignal of an invocation: it aborts when the invocation outlives host.json `functionTimeout`,
 * with the FunctionTimeoutError as its reason. Pass it to fetch, timers or Redis calls to stop early.
 */
export function invocationSignal(context: InvocationContext): AbortSignal {
  const signal = (context as { abortSignal?: unknown }).abortSignal;
  return signal instanceof AbortSignal ? signal : new AbortController().signal;
}
