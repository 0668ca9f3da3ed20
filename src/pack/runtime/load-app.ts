import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  captureRegistrations,
  captureRegistrationsSync,
  installCoreModule,
} from '../../registration/core-module';
import { assertNoPendingDecorators } from '../../registration/decorators';
import type { FunctionDefinition } from '../../registration/definition';
import { definitionFromCore } from '../../registration/from-core';

const CORE_MODULE = '@azure/functions-core';
const OVERRIDDEN = Symbol.for('redis-func.pack.core-override');

/** A loaded app's functions, or (ES module entry files) the promise of them. */
export type PackedApp = readonly FunctionDefinition[] | Promise<readonly FunctionDefinition[]>;

const apps = new Map<string, PackedApp | Error>();

/**
 * Loads the app's entry files once per process with every registration captured here, not by the
 * Functions worker: the packed app runs in the function.json model, where the worker must not see
 * `app.generic` calls (nor switch to the v4 programming model). CommonJS entry files load now,
 * synchronously: an error the app throws at import makes this throw, so the shim's own module fails to
 * load and the worker reports the function's load as failed (with the error) instead of loading it and
 * failing every invocation. ES modules load asynchronously; the promise rejects with the error. Either
 * failure is kept: every later load of this app fails the same way.
 */
export function loadPackedApp(root: string, entryFiles: readonly string[]): PackedApp {
  const known = apps.get(root);
  if (known instanceof Error) throw known;
  if (known) return known;
  const files = entryFiles.map((file) => path.resolve(root, file));
  overrideHostCoreModule();
  if (files.some((file) => isEsm(file, root))) {
    const loading = loadAsync(root, files).catch((error: unknown) => {
      throw loadFailure(root, error);
    });
    apps.set(root, loading);
    return loading;
  }
  try {
    const definitions = loadSync(root, files);
    apps.set(root, definitions);
    return definitions;
  } catch (error) {
    const failure = loadFailure(root, error);
    apps.set(root, failure);
    throw failure;
  }
}

function loadSync(root: string, files: readonly string[]): readonly FunctionDefinition[] {
  const requireFromRoot = Module.createRequire(path.join(root, 'package.json'));
  const captured = captureRegistrationsSync((sink) => {
    for (const file of files) {
      sink.currentSource = file;
      requireFromRoot(file);
    }
    assertNoPendingDecorators();
  });
  return captured.registrations.map((r) => definitionFromCore(r, 'app'));
}

async function loadAsync(root: string, files: readonly string[]): Promise<readonly FunctionDefinition[]> {
  const requireFromRoot = Module.createRequire(path.join(root, 'package.json'));
  const captured = await captureRegistrations(async (sink) => {
    for (const file of files) {
      sink.currentSource = file;
      if (isEsm(file, root)) await import(pathToFileURL(file).href);
      else requireFromRoot(file);
    }
    assertNoPendingDecorators();
  });
  return captured.registrations.map((r) => definitionFromCore(r, 'app'));
}

/** What a failed import becomes: which app, what the entry file threw (kept as the cause). */
function loadFailure(root: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `redis-func shim: loading the app's entry files (${root}) failed: ${message}. ` +
      'Every function of this app fails until it loads: fix the error and deploy again.',
    { cause: error },
  );
}

/**
 * The real worker answers `require('@azure/functions-core')` through its own hook on
 * `Module.prototype.require`, which runs before `Module._load`. Put ours in front of it so the
 * registrations come to redis-func's capturing core.
 */
function overrideHostCoreModule(): void {
  installCoreModule();
  const proto = Module.prototype as unknown as Record<symbol, unknown> & { require: NodeJS.Require };
  if (proto[OVERRIDDEN]) return;
  const internals = Module as unknown as {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
  };
  const core = internals._load(CORE_MODULE, null, false);
  const original = proto.require;
  proto.require = new Proxy(original, {
    apply(target, thisArg: unknown, args: unknown[]): unknown {
      return args[0] === CORE_MODULE ? core : Reflect.apply(target, thisArg, args);
    },
  });
  proto[OVERRIDDEN] = true;
}

function isEsm(file: string, root: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { type?: string };
    return pkg.type === 'module';
  } catch {
    return false;
  }
}
