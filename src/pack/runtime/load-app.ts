import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { captureRegistrations, installCoreModule } from '../../registration/core-module';
import { assertNoPendingDecorators } from '../../registration/decorators';
import type { FunctionDefinition } from '../../registration/definition';
import { definitionFromCore } from '../../registration/from-core';

const CORE_MODULE = '@azure/functions-core';
const OVERRIDDEN = Symbol.for('redis-func.pack.core-override');

const apps = new Map<string, Promise<readonly FunctionDefinition[]>>();

/**
 * Loads the app's entry files once per process with every registration captured here, not by the
 * Functions worker: the packed app runs in the function.json model, where the worker must not see
 * `app.generic` calls (nor switch to the v4 programming model).
 */
export function loadPackedApp(
  root: string,
  entryFiles: readonly string[],
): Promise<readonly FunctionDefinition[]> {
  let loading = apps.get(root);
  if (!loading) {
    loading = load(root, entryFiles);
    apps.set(root, loading);
    loading.catch(() => apps.delete(root)); // the next invocation tries again
  }
  return loading;
}

async function load(root: string, entryFiles: readonly string[]): Promise<readonly FunctionDefinition[]> {
  overrideHostCoreModule();
  const captured = await captureRegistrations(async (sink) => {
    for (const file of entryFiles) {
      sink.currentSource = file;
      await loadEntryFile(path.resolve(root, file), root);
    }
    assertNoPendingDecorators();
  });
  return captured.registrations.map((r) => definitionFromCore(r, 'app'));
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

async function loadEntryFile(file: string, root: string): Promise<void> {
  if (isEsm(file, root)) {
    await import(pathToFileURL(file).href);
    return;
  }
  const requireFromRoot = Module.createRequire(path.join(root, 'package.json'));
  requireFromRoot(file);
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
