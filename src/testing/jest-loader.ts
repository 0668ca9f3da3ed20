import path from 'node:path';
import { captureMark, coreApi, discardSince } from '../registration/core-module';
import type { EntryLoader } from '../registration/loader';
import { isStale, staleError, typeScriptSourceOf } from './compiled-source';

/** The part of Jest's module-scoped `jest` object the loader uses. */
interface JestModuleApi {
  mock(name: string, factory: () => unknown, options: { virtual: boolean }): unknown;
  isolateModules(fn: () => void): unknown;
}

declare const jest: JestModuleApi | undefined;

/**
 * Under Jest, modules live in Jest's registry, not Node's, so providing `@azure/functions-core` to
 * Node's loader does not reach the app's `@azure/functions`. This loader registers the core module as a
 * virtual Jest module and loads each entry file in a fresh registry, so its `app.generic` calls register
 * here as they do under `redis-func start`. An entry file compiled from TypeScript (its source map names
 * the `.ts`) is loaded from that source, through Jest's transform (ts-jest), so the tests run the code as
 * it is now, not as it was at the last build; when Jest cannot compile TypeScript, the compiled file is
 * used if it is not older than its source, and refused if it is. Outside Jest it returns undefined.
 */
export function jestEntryLoader(root: string): EntryLoader | undefined {
  if (typeof jest === 'undefined') return undefined;
  const api = jest;
  api.mock('@azure/functions-core', () => coreApi, { virtual: true });
  const load = (file: string): void => {
    api.isolateModules(() => {
      // Jest gives this module its own require: the entry file loads in the isolated registry.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    });
  };
  return (file) => {
    const source = typeScriptSourceOf(file);
    try {
      if (source === undefined) return load(file);
      const mark = captureMark();
      try {
        return load(source);
      } catch (error) {
        if (!isSyntaxError(error)) throw error;
        discardSince(mark); // Jest does not compile TypeScript here: the compiled file, if it is current
        if (isStale(file, source))
          throw staleError(file, source, root, ', and Jest does not compile TypeScript');
        return load(file);
      }
    } catch (error) {
      if (!isModuleSyntax(error)) throw error;
      throw new Error(
        `${path.basename(file)} is an ES module, which Jest's CommonJS module registry cannot load. Have Jest ` +
          `transform the app's files to CommonJS (e.g. babel-jest, with transformIgnorePatterns letting them ` +
          `through), or hand the app's registrations to createTestHost({ functions }).`,
        { cause: error },
      );
    }
  };
}

/** A SyntaxError from any realm (Jest's vm context has its own SyntaxError). */
function isSyntaxError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'SyntaxError';
}

/** The SyntaxError Jest raises for `import` / `export` in a file it loads as CommonJS. */
function isModuleSyntax(error: unknown): boolean {
  // not `instanceof`: the error comes from the test's own realm (Jest's vm context)
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name !== 'SyntaxError' || typeof message !== 'string') return false;
  return /import statement|Unexpected token '?export|import\.meta/.test(message);
}
