import Module from 'node:module';
import type { BindingDefinition, FunctionHandler } from './definition';

/**
 * Provides the `@azure/functions-core` module that only the real Node worker has. With it present,
 * `@azure/functions` leaves "test mode" and hands every `app.generic(...)` and `app.hook.*(...)`
 * to us, exactly as it would to the Functions host.
 */

const CORE_MODULE = '@azure/functions-core';

/** What `registerFunction` receives: the same shape the real worker gets. */
export interface CoreRegistration {
  readonly metadata: {
    readonly name: string;
    readonly bindings: Readonly<Record<string, Omit<BindingDefinition, 'name'> & { name?: string }>>;
    readonly retryOptions?: Readonly<Record<string, unknown>>;
  };
  readonly handler: FunctionHandler;
  /** The entry file being loaded when it registered, if known. */
  readonly source: string | undefined;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';
export type HookCallback = (context: unknown) => unknown;

export interface CaptureSink {
  readonly registrations: CoreRegistration[];
  readonly hooks: { readonly name: string; readonly callback: HookCallback }[];
  currentSource: string | undefined;
}

let sink: CaptureSink | undefined;
let installed = false;

/**
 * How many loads are capturing registrations in this process, over every copy of redis-func: a copy an
 * entry file loaded (e.g. in a Jest registry of its own) registers its decorated classes while one runs.
 */
const CAPTURING = Symbol.for('redis-func.capturing');
const capturing = ((globalThis as Record<symbol, unknown>)[CAPTURING] ??= { count: 0 }) as { count: number };

/** The module object `require('@azure/functions-core')` answers with. */
export const coreApi = {
  version: '3.10.1',
  hostVersion: 'redis-func',
  registerFunction(metadata: CoreRegistration['metadata'], handler: FunctionHandler): { dispose(): void } {
    const target = sink;
    const entry: CoreRegistration = { metadata, handler, source: target?.currentSource };
    target?.registrations.push(entry);
    return { dispose: () => remove(target?.registrations, entry) };
  },
  registerHook(name: string, callback: HookCallback): { dispose(): void } {
    const target = sink;
    const entry = { name, callback };
    target?.hooks.push(entry);
    return { dispose: () => remove(target?.hooks, entry) };
  },
  setProgrammingModel(): void {},
  getProgrammingModel(): undefined {
    return undefined;
  },
  log(): void {},
};

function remove<T>(list: T[] | undefined, item: T): void {
  const index = list?.indexOf(item) ?? -1;
  if (index >= 0) list?.splice(index, 1);
}

interface ModuleInternals {
  _load: (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;
  _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string;
}

/** Makes `require('@azure/functions-core')` answer in this process. Idempotent. */
export function installCoreModule(): void {
  if (installed) return;
  installed = true;
  const internals = Module as unknown as ModuleInternals;
  const load = internals._load;
  const resolve = internals._resolveFilename;
  internals._load = function (request, parent, isMain) {
    return request === CORE_MODULE ? coreApi : load.call(this, request, parent, isMain);
  };
  internals._resolveFilename = function (request, ...rest) {
    return request === CORE_MODULE ? CORE_MODULE : resolve.call(this, request, ...rest);
  };
}

/** True when `@azure/functions-core` can be required here (the real worker, or after installCoreModule). */
export function isCoreModuleAvailable(): boolean {
  if (installed || capturing.count > 0) return true;
  try {
    require.resolve(CORE_MODULE);
    return true;
  } catch {
    return false;
  }
}

/** How much the running capture holds, to undo a failed attempt at loading a file (`discardSince`). */
export interface CaptureMark {
  readonly registrations: number;
  readonly hooks: number;
}

export function captureMark(): CaptureMark {
  return { registrations: sink?.registrations.length ?? 0, hooks: sink?.hooks.length ?? 0 };
}

export function discardSince(mark: CaptureMark): void {
  sink?.registrations.splice(mark.registrations);
  sink?.hooks.splice(mark.hooks);
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `load` while collecting every registration it makes. Loads are serialised. */
export function captureRegistrations(load: (sink: CaptureSink) => Promise<void>): Promise<CaptureSink> {
  installCoreModule();
  const run = async (): Promise<CaptureSink> => {
    const mine: CaptureSink = { registrations: [], hooks: [], currentSource: undefined };
    sink = mine;
    capturing.count++;
    try {
      await load(mine);
    } finally {
      sink = undefined;
      capturing.count--;
    }
    return mine;
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * Runs a synchronous `load` (CommonJS entry files) while collecting every registration it makes, now.
 * Whatever capture was in progress gets its sink back afterwards.
 */
export function captureRegistrationsSync(load: (sink: CaptureSink) => void): CaptureSink {
  installCoreModule();
  const previous = sink;
  const mine: CaptureSink = { registrations: [], hooks: [], currentSource: undefined };
  sink = mine;
  try {
    load(mine);
  } finally {
    sink = previous;
  }
  return mine;
}
