import {
  app,
  type GenericFunctionOptions,
  type FunctionInput,
  type FunctionOutput,
  trigger,
} from '@azure/functions';
import { ConfigError, ErrorCodes } from '../errors';
import { isCoreModuleAvailable } from './core-module';

/** Options every trigger decorator accepts besides the trigger's own. */
export interface DecoratorCommonOptions {
  /** Function name; the method name when absent. */
  readonly name?: string;
  readonly retry?: GenericFunctionOptions['retry'];
  readonly extraInputs?: FunctionInput[];
  readonly extraOutputs?: FunctionOutput[];
  readonly return?: FunctionOutput;
}

export interface RedisPubSubTriggerOptions extends DecoratorCommonOptions {
  /** Name of the app setting holding the connection string. */
  readonly connection: string;
  /** Channel or pattern; may be `%SettingName%`. */
  readonly channel: string;
  /** true (default): PSUBSCRIBE; false: SUBSCRIBE. */
  readonly pattern?: boolean;
  /** true: SSUBSCRIBE (sharded Pub/Sub, Redis 7): receives SPUBLISH to exactly `channel`. Default false. */
  readonly sharded?: boolean;
}

export interface RedisStreamTriggerOptions extends DecoratorCommonOptions {
  /** Name of the app setting holding the connection string. */
  readonly connection: string;
  /** One stream key (1.x); may be `%SettingName%`. */
  readonly key?: string;
  /** Space-delimited stream keys (preview); each may be `%SettingName%`. */
  readonly keys?: string;
  /** Wait after a short read, in polling mode (default 1000). */
  readonly pollingIntervalInMs?: number;
  /** Entries per key and read (default 10); `maxBatchSize` is the 1.x name. */
  readonly batchSize?: number;
  readonly maxBatchSize?: number;
  /** Consumer group (default: the function's name, as in Azure). */
  readonly consumerGroup?: string;
  /** XDEL each entry after it was acknowledged (default false). */
  readonly deleteAfterProcess?: boolean;
  /** Scale hint of the preview extension (default 100). */
  readonly messagesPerWorker?: number;
  /** Claim entries pending this long on any consumer of the group (default 60000, or host.json). */
  readonly reclaimIdleMs?: number;
  /** `polling` (default, or host.json `extensions.redis.streams.mode`) or `blocking` (XREADGROUP BLOCK). */
  readonly mode?: 'polling' | 'blocking';
  /** `one` (default): an invocation per entry; `many`: an array per key and batch. */
  readonly cardinality?: 'one' | 'many';
  /** Invocations at once while a batch runs (default 10). */
  readonly concurrency?: number;
}

export interface RedisListTriggerOptions extends DecoratorCommonOptions {
  /** Name of the app setting holding the connection string. */
  readonly connection: string;
  /** One list key (1.x); may be `%SettingName%`. */
  readonly key?: string;
  /** Space-delimited list keys (preview); each may be `%SettingName%`. */
  readonly keys?: string;
  /** Wait after an empty or short poll, in polling mode (default 1000). */
  readonly pollingIntervalInMs?: number;
  /** Elements per pop (default 10); `maxBatchSize` is the 1.x name. */
  readonly batchSize?: number;
  readonly maxBatchSize?: number;
  /** Pop from the head (default true); `listDirection` is the 1.x name. */
  readonly listPopFromBeginning?: boolean;
  readonly listDirection?: 'left' | 'right';
  /** Scale hint of the preview extension (default 100). */
  readonly messagesPerWorker?: number;
  /** `polling` (default, or host.json `extensions.redis.lists.mode`) or `blocking` (BLMPOP / BLPOP / BLMOVE). */
  readonly mode?: 'polling' | 'blocking';
  /** Move elements to a processing list and remove them after success: at-least-once (default false). */
  readonly reliable?: boolean;
  /** Reliable mode: a listener silent this long is gone and its elements go back (default 10000). */
  readonly heartbeatTimeoutMs?: number;
  /** `one` (default): an invocation per element; `many`: an array per key and batch. */
  readonly cardinality?: 'one' | 'many';
  /** Invocations at once while a batch runs (default 10). */
  readonly concurrency?: number;
}

/** A registration exactly as it is handed to `app.generic`. */
export interface AppRegistration {
  readonly name: string;
  readonly options: GenericFunctionOptions;
}

type Method = (this: unknown, input: never, context: never) => unknown;

interface PendingMethod {
  readonly method: Method;
  readonly methodName: string;
  readonly isStatic: boolean;
  readonly decorator: string;
  readonly triggerType: string;
  readonly options: Readonly<Record<string, unknown>> & DecoratorCommonOptions;
}

const REGISTRATIONS = Symbol.for('redis-func.registrations');
/**
 * Decorated methods waiting for their class's @FunctionApp(). The list lives on a global symbol, shared by
 * every copy of redis-func in the process: an app's entry files may load a copy of their own (Jest gives
 * each isolated registry one), and a method decorated by one copy is still checked by the host's.
 */
const PENDING = Symbol.for('redis-func.pending-decorators');
const pending = ((globalThis as Record<symbol, unknown>)[PENDING] ??= []) as PendingMethod[];

/** Registrations made by a class decorated with @FunctionApp(), in declaration order. */
export function registrationsOf(target: unknown): readonly AppRegistration[] | undefined {
  if (typeof target !== 'function') return undefined;
  const own = Object.hasOwn(target, REGISTRATIONS);
  return own ? ((target as unknown as Record<symbol, AppRegistration[]>)[REGISTRATIONS] ?? []) : undefined;
}

/** Builds a method decorator for one trigger type; every trigger decorator is one of these. */
export function triggerDecorator<O extends DecoratorCommonOptions>(decorator: string, triggerType: string) {
  return (options: O) =>
    (method: Method, context: ClassMethodDecoratorContext): void => {
      if (context.private || typeof context.name !== 'string') {
        throw misuse(`@${decorator} cannot decorate private or symbol-named methods.`);
      }
      pending.push({
        method,
        methodName: context.name,
        isStatic: context.static,
        decorator,
        triggerType,
        options: { ...options } as PendingMethod['options'],
      });
    };
}

export const RedisPubSubTrigger = triggerDecorator<RedisPubSubTriggerOptions>(
  'RedisPubSubTrigger',
  'redisPubSubTrigger',
);

export const RedisListTrigger = triggerDecorator<RedisListTriggerOptions>(
  'RedisListTrigger',
  'redisListTrigger',
);

export const RedisStreamTrigger = triggerDecorator<RedisStreamTriggerOptions>(
  'RedisStreamTrigger',
  'redisStreamTrigger',
);

/**
 * Marks a class whose decorated methods are functions. Each method registers through `app.generic`
 * (so the app deploys unchanged), with `this` bound to one lazily created instance of the class.
 */
export function FunctionApp() {
  return <C extends abstract new (...args: never[]) => unknown>(
    target: C,
    _context: ClassDecoratorContext<C>,
  ): C => {
    const holder = (isStatic: boolean): Record<string, unknown> =>
      (isStatic ? target : (target.prototype as object)) as Record<string, unknown>;
    const mine = pending.filter((p) => holder(p.isStatic)[p.methodName] === p.method);
    const strays = pending.filter((p) => !mine.includes(p));
    pending.length = 0;
    const stray = strays[0];
    if (stray) {
      throw misuse(
        `Method '${stray.methodName}' is decorated with @${stray.decorator} but its class is not decorated with @FunctionApp().`,
      );
    }
    let instance: unknown;
    const self = (): unknown => (instance ??= new (target as unknown as new () => unknown)());
    const registrations = mine.map((p) => toRegistration(p, p.isStatic ? () => target : self));
    Object.defineProperty(target, REGISTRATIONS, { value: Object.freeze(registrations), enumerable: false });
    if (isCoreModuleAvailable()) for (const r of registrations) app.generic(r.name, r.options);
    return target;
  };
}

/** Throws if a decorated method was left without @FunctionApp() (called after loading an app). */
export function assertNoPendingDecorators(): void {
  const stray = pending[0];
  pending.length = 0;
  if (stray) {
    throw misuse(
      `Method '${stray.methodName}' is decorated with @${stray.decorator} but its class is not decorated with @FunctionApp().`,
    );
  }
}

function toRegistration(p: PendingMethod, receiver: () => unknown): AppRegistration {
  const { name, retry, extraInputs, extraOutputs, return: returnOutput, ...triggerOptions } = p.options;
  const method = p.method as (this: unknown, ...args: unknown[]) => unknown;
  const options: GenericFunctionOptions = {
    trigger: trigger.generic({ type: p.triggerType, ...triggerOptions }),
    handler: (input, context) => method.call(receiver(), input, context),
    ...(retry ? { retry } : {}),
    ...(extraInputs ? { extraInputs } : {}),
    ...(extraOutputs ? { extraOutputs } : {}),
    ...(returnOutput ? { return: returnOutput } : {}),
  };
  return Object.freeze({ name: name ?? p.methodName, options });
}

function misuse(message: string): ConfigError {
  return new ConfigError(ErrorCodes.DECORATOR_MISUSE, message);
}
