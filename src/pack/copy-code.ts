import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { OWN_ROOT } from './own-package';

export interface CodeToCopy {
  readonly root: string;
  /** package.json `main` as written (its static folder is copied whole). */
  readonly main: string | undefined;
  readonly entryFiles: readonly string[];
  readonly outDir: string;
}

const GLOB_CHARS = /[*?[\]{}()!]/;

/**
 * The app's compiled code, at the same relative paths: the static folder of `main` (e.g. `dist/functions`
 * for `dist/functions/*.js`), the entry files, and every CommonJS module under the script root the entry
 * files loaded (outside node_modules and redis-func itself). Returns the files and folders copied.
 */
export function copyCode(code: CodeToCopy): string[] {
  const copied = new Set<string>();
  const base = code.main === undefined ? undefined : staticBase(code.main);
  if (base !== undefined && existsSync(path.join(code.root, base))) copied.add(base);
  for (const file of [...code.entryFiles, ...loadedModules(code)]) {
    const relative = path.relative(code.root, file);
    if (base === undefined || !isInside(relative, base)) copied.add(relative);
  }
  for (const relative of copied) {
    const target = path.join(code.outDir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(code.root, relative), target, { recursive: true, filter: (src) => keep(src, code) });
  }
  return [...copied].sort();
}

/** The folder part of `main` before any glob character; undefined when that is the script root itself. */
function staticBase(main: string): string | undefined {
  const parts = main.replace(/^\.\//, '').split('/');
  const index = parts.findIndex((p) => GLOB_CHARS.test(p));
  const folder = index === -1 ? parts.slice(0, -1) : parts.slice(0, index);
  return folder.length === 0 ? undefined : folder.join('/');
}

function loadedModules(code: CodeToCopy): string[] {
  const cache = Module.createRequire(path.join(code.root, 'package.json')).cache;
  // redis-func itself (when packing its own sample app): it is a dependency of the packed app
  const own = [path.join(OWN_ROOT, 'dist', 'src') + path.sep, path.join(OWN_ROOT, 'bin') + path.sep];
  return Object.keys(cache).filter((file) => {
    const relative = path.relative(code.root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
    if (own.some((dir) => file.startsWith(dir)) || !keep(file, code)) return false;
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  });
}

function keep(file: string, code: CodeToCopy): boolean {
  if (file === code.outDir || file.startsWith(code.outDir + path.sep)) return false;
  const relative = path.relative(code.root, file);
  return !relative
    .split(path.sep)
    .some((part) => part === 'node_modules' || (part.startsWith('.') && part !== '..'));
}

function isInside(relative: string, folder: string): boolean {
  return relative === folder || relative.startsWith(folder + path.sep);
}
