import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/;

/**
 * The TypeScript file a compiled entry file was built from, as its source map (`<file>.map`, which tsc
 * writes with `sourceMap: true`, as `func init` apps have) names it; undefined when there is no map, the
 * map names no single TypeScript source, or that source is gone.
 */
export function typeScriptSourceOf(file: string): string | undefined {
  const mapFile = `${file}.map`;
  if (!/\.(js|cjs|mjs)$/.test(file) || !existsSync(mapFile)) return undefined;
  let map: { sources?: unknown; sourceRoot?: unknown };
  try {
    map = JSON.parse(readFileSync(mapFile, 'utf8')) as typeof map;
  } catch {
    return undefined; // not a map we can read: treat the file as plain JavaScript
  }
  const sources: unknown[] = Array.isArray(map.sources) ? (map.sources as unknown[]) : [];
  const [only] = sources;
  if (sources.length !== 1 || typeof only !== 'string' || !TYPESCRIPT.test(only)) return undefined;
  const sourceRoot = typeof map.sourceRoot === 'string' ? map.sourceRoot : '';
  const source = path.resolve(path.dirname(file), sourceRoot, only);
  return existsSync(source) ? source : undefined;
}

/** True when `source` changed after `compiled` was written: the compiled file may not be what it says. */
export function isStale(compiled: string, source: string): boolean {
  return statSync(source).mtimeMs > statSync(compiled).mtimeMs;
}

/** The error for an entry file built before its source last changed. */
export function staleError(compiled: string, source: string, root: string, why = ''): Error {
  const rel = (file: string): string => path.relative(root, file);
  return new Error(
    `${rel(compiled)} is older than its source ${rel(source)}: the tests would run code that is no longer ` +
      `in your source${why}. Build the app first (e.g. \`npm run build\`, or a "pretest" script), or let Jest ` +
      `compile the TypeScript (ts-jest), and the test host loads ${rel(source)} itself.`,
  );
}

/** Refuses a compiled entry file whose TypeScript source is newer (runners that do not compile it). */
export function assertFresh(file: string, root: string): void {
  const source = typeScriptSourceOf(file);
  if (source !== undefined && isStale(file, source)) throw staleError(file, source, root);
}
