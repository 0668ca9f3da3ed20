import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';
import { ConfigError, ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import { captureRegistrations, type HookCallback } from './core-module';
import { assertNoPendingDecorators } from './decorators';
import { isValidFunctionName, type FunctionDefinition } from './definition';
import { definitionFromCore } from './from-core';
import { findFunctionJsonFolders, loadFunctionJsonApp } from './function-json';

export interface LoadedApp {
  readonly scriptRoot: string;
  readonly entryFiles: readonly string[];
  readonly functions: readonly FunctionDefinition[];
  readonly hooks: readonly { readonly name: string; readonly callback: HookCallback }[];
}

/**
 * Loads a function app the way the Node worker does: the entry files named by the `main` field of the
 * script root's package.json (globs allowed), with `@azure/functions-core` provided so every
 * `app.generic` call (and every decorated class) registers here.
 */
/** Loads one entry file; the default uses Node's loader (a test runner with its own registry passes its own). */
export type EntryLoader = (file: string) => void | Promise<void>;

export async function loadApp(
  scriptRoot: string,
  loadEntry?: EntryLoader,
  /** Read every app module from disk again (a reload), not only the entry files. */
  fresh = false,
): Promise<LoadedApp> {
  const root = path.resolve(scriptRoot);
  const hasFunctionJson = findFunctionJsonFolders(root).length > 0;
  const entryFiles = await resolveEntryFiles(root, hasFunctionJson);
  if (fresh && !loadEntry) forgetAppModules(root);
  const captured = await captureRegistrations(async (sink) => {
    for (const file of entryFiles) {
      sink.currentSource = path.relative(root, file) || file;
      await loadEntryFile(file, root, loadEntry);
    }
    assertNoPendingDecorators();
  });
  const functions = [
    ...captured.registrations.map((r) => definitionFromCore(r, 'app')),
    ...(hasFunctionJson ? loadFunctionJsonApp(root) : []),
  ];
  validateNames(functions);
  return Object.freeze({
    scriptRoot: root,
    entryFiles: Object.freeze(entryFiles),
    functions: Object.freeze(functions),
    hooks: Object.freeze([...captured.hooks]),
  });
}

/**
 * Where an app names its entry files: package.json `main`, as the Node worker reads it, unless a
 * `"redis-func": { "main": ... }` field names them for redis-func alone (a package that is also a library,
 * like redis-func's own sample app, keeps `main` for the library).
 */
export interface EntryGlob {
  readonly glob: string;
  /** `main` or `redis-func.main`. */
  readonly field: string;
}

/** The app's entry glob; undefined when package.json names none. Throws when package.json is unreadable. */
export function readEntryGlob(packageFile: string): EntryGlob | undefined {
  let pkg: { main?: unknown; 'redis-func'?: unknown };
  try {
    pkg = JSON.parse(readFileSync(packageFile, 'utf8')) as typeof pkg;
  } catch (error) {
    throw new ConfigError(
      ErrorCodes.PACKAGE_JSON_INVALID,
      `${packageFile} is not valid JSON: ${errorMessage(error)}.`,
      { file: packageFile, cause: error },
    );
  }
  const own = pkg['redis-func'];
  const ownMain = typeof own === 'object' && own !== null ? (own as { main?: unknown }).main : undefined;
  const [value, field] = ownMain !== undefined ? [ownMain, 'redis-func.main'] : [pkg.main, 'main'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(
      ErrorCodes.PACKAGE_JSON_INVALID,
      `${packageFile}: field "${field}" must name the app's entry files, e.g. "dist/src/functions/*.js".`,
      { file: packageFile, field },
    );
  }
  return { glob: value, field };
}

/** The entry files of `main`; a function.json app may have no package.json or no `main` (`optional`). */
export async function resolveEntryFiles(root: string, optional = false): Promise<string[]> {
  const packageFile = path.join(root, 'package.json');
  if (!existsSync(packageFile)) {
    if (optional) return [];
    throw new ConfigError(
      ErrorCodes.PACKAGE_JSON_INVALID,
      `No package.json in ${root}. Its "main" field names the app's entry files (e.g. "dist/src/functions/*.js").`,
      { file: packageFile },
    );
  }
  const entry = readEntryGlob(packageFile);
  if (entry === undefined) {
    if (optional) return [];
    throw new ConfigError(
      ErrorCodes.PACKAGE_JSON_INVALID,
      `${packageFile}: field "main" must name the app's entry files, e.g. "dist/src/functions/*.js".`,
      { file: packageFile, field: 'main' },
    );
  }
  const files = (await glob(entry.glob, { cwd: root, absolute: true, onlyFiles: true })).sort();
  if (files.length === 0) {
    throw new ConfigError(
      ErrorCodes.PACKAGE_JSON_INVALID,
      `${packageFile}: field "${entry.field}" ("${entry.glob}") matches no file. Build the app first (e.g. npm run build).`,
      { file: packageFile, field: entry.field },
    );
  }
  return files;
}

async function loadEntryFile(file: string, root: string, loadEntry?: EntryLoader): Promise<void> {
  try {
    await (loadEntry ?? nodeEntryLoader(root))(file);
  } catch (error) {
    if (error instanceof RedisFuncError) throw error;
    throw new ConfigError(
      ErrorCodes.ENTRY_FILE_FAILED,
      `Loading entry file ${path.relative(root, file)} failed: ${errorMessage(error)}`,
      { file, cause: error },
    );
  }
}

/** redis-func's own compiled code: never the app's, even when the app lives in redis-func's folder. */
const OWN_CODE = path.resolve(__dirname, '..');

/** The CommonJS modules loaded from the app's folder: its own files, not node_modules nor redis-func's. */
export function appModuleFiles(root: string): string[] {
  const inside = path.resolve(root) + path.sep;
  const own = OWN_CODE + path.sep;
  return Object.keys(Module.createRequire(__filename).cache).filter(
    (file) =>
      file.startsWith(inside) && !file.startsWith(own) && !file.split(path.sep).includes('node_modules'),
  );
}

/** Drops the app's modules from the require cache, so the next load reads them from disk. */
export function forgetAppModules(root: string): void {
  const cache = Module.createRequire(__filename).cache;
  for (const file of appModuleFiles(root)) delete cache[file];
}

/** How often each ES entry file was imported. */
const esmLoads = new Map<string, number>();

/**
 * Node's loader: `import()` for ES modules, `require` from the script root for CommonJS. An ES entry
 * file loaded again gets a fresh URL (Node cannot evict ES modules), so it runs again from disk; the ES
 * modules it imports stay as first loaded.
 */
export function nodeEntryLoader(root: string): EntryLoader {
  return async (file) => {
    if (isEsm(file, root)) {
      const url = pathToFileURL(file);
      const loads = esmLoads.get(file) ?? 0;
      esmLoads.set(file, loads + 1);
      if (loads > 0) url.search = `?reload=${loads}`;
      await import(url.href);
    } else {
      const requireFromRoot = Module.createRequire(path.join(root, 'package.json'));
      delete requireFromRoot.cache[file]; // a second load in the same process registers again
      requireFromRoot(file);
    }
  };
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

/** Letter first; letters, digits, `_` and `-`; at most 127; names are unique ignoring case. */
export function validateNames(functions: readonly FunctionDefinition[]): void {
  const seen = new Map<string, FunctionDefinition>();
  for (const fn of functions) {
    if (!isValidFunctionName(fn.name)) {
      throw new ConfigError(
        ErrorCodes.FUNCTION_NAME_INVALID,
        `Function name '${fn.name}' (${fn.source}) is invalid: a name starts with a letter, has only letters, ` +
          `digits, '_' and '-', and is at most 127 characters long.`,
        { file: fn.source, field: 'name' },
      );
    }
    const other = seen.get(fn.name.toLowerCase());
    if (other) {
      throw new ConfigError(
        ErrorCodes.FUNCTION_NAME_DUPLICATE,
        `Function name '${fn.name}' is registered twice (${other.source} and ${fn.source}); names must be unique.`,
        { file: fn.source, field: 'name' },
      );
    }
    seen.set(fn.name.toLowerCase(), fn);
  }
}
