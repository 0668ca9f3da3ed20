import { coreApi } from '../registration/core-module';
import type { EntryLoader } from '../registration/loader';

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
 * here as they do under `redis-func start`. Outside Jest it returns undefined (Node's loader is used).
 */
export function jestEntryLoader(): EntryLoader | undefined {
  if (typeof jest === 'undefined') return undefined;
  const api = jest;
  api.mock('@azure/functions-core', () => coreApi, { virtual: true });
  return (file) => {
    api.isolateModules(() => {
      // Jest gives this module its own require: the entry file loads in the isolated registry.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    });
  };
}
