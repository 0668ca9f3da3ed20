import path from 'node:path';
import { nodeEntryLoader, type EntryLoader } from '../registration/loader';
import { assertFresh } from './compiled-source';
import { jestEntryLoader } from './jest-loader';

/**
 * How the test host loads an app's entry files: under Jest through Jest's registry (TypeScript sources
 * through Jest's transform); elsewhere with Node's loader, refusing a compiled file older than its source.
 */
export function testEntryLoader(scriptRoot: string): EntryLoader {
  const root = path.resolve(scriptRoot);
  const node = nodeEntryLoader(root);
  return (
    jestEntryLoader(root) ??
    ((file) => {
      assertFresh(file, root);
      return node(file);
    })
  );
}
