import { readFileSync } from 'node:fs';
import path from 'node:path';

/** redis-func's own package.json (this file is dist/src/pack/own-package.js once built). */
export const OWN_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface OwnPackage {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

export function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(path.join(OWN_ROOT, 'package.json'), 'utf8')) as OwnPackage;
}
