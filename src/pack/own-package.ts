import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** redis-func's own folder: the nearest one up from here whose package.json is redis-func's (dist/ or src/). */
export const OWN_ROOT = ownRoot(__dirname);

export interface OwnPackage {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

export function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(path.join(OWN_ROOT, 'package.json'), 'utf8')) as OwnPackage;
}

function ownRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'redis-func'
    ) {
      return dir;
    }
  }
  return path.resolve(from, '..', '..', '..'); // dist/src/pack
}
