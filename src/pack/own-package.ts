import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** redis-func's own folder: the nearest with a package.json above this file (dist/src/pack once built). */
export const OWN_ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..', '..');
  }
}

export interface OwnPackage {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

export function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(path.join(OWN_ROOT, 'package.json'), 'utf8')) as OwnPackage;
}
