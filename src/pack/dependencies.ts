import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isRecord } from '../config/read-json';
import { errorMessage } from '../errors';
import { OWN_ROOT, ownPackage } from './own-package';

/** What pack did with one dependency of the packed app (printed by `redis-func pack`). */
export interface DependencyNote {
  readonly name: string;
  /** The spec written to the deploy folder's package.json. */
  readonly spec: string;
  /** What pack did, e.g. `tarball copied from ../redis-func-0.1.0.tgz`. */
  readonly action: string;
}

/** A spec that names something on this machine: it does not resolve from another folder as written. */
const LOCAL = /^(file:|link:|workspace:|\.{1,2}\/|\/|~\/)/;
const TARBALL = /\.(tgz|tar\.gz|tar)$/;

/**
 * The deploy folder's dependencies, each resolvable from the deploy folder alone: registry ranges, git
 * and URL specs stay as the app wrote them; a local tarball (`file:x.tgz`) is copied in; a local folder,
 * `link:` or `workspace:` dependency is packed (`npm pack`) from the copy the app has installed, and so is
 * redis-func when the app does not list it (its shims need it). Only changed specs get a note.
 */
export function deployDependencies(
  root: string,
  outDir: string,
  app: Readonly<Record<string, unknown>>,
): { dependencies: Record<string, string>; notes: DependencyNote[] } {
  const own = ownPackage();
  const listed = isRecord(app['dependencies']) ? app['dependencies'] : {};
  const dependencies: Record<string, string> = {};
  const notes: DependencyNote[] = [];
  for (const [name, spec] of Object.entries(listed)) {
    if (typeof spec !== 'string') continue;
    if (!LOCAL.test(spec)) {
      dependencies[name] = spec;
      continue;
    }
    const note = localDependency(root, outDir, name, spec);
    dependencies[name] = note.spec;
    notes.push(note);
  }
  if (dependencies[own.name] === undefined) {
    const note = packFolder(
      outDir,
      own.name,
      installedCopy(root, own.name) ?? OWN_ROOT,
      'not listed by the app',
    );
    dependencies[own.name] = note.spec;
    notes.push(note);
  }
  return { dependencies, notes };
}

function localDependency(root: string, outDir: string, name: string, spec: string): DependencyNote {
  const target = spec.replace(/^(file|link):/, '');
  const file = spec.startsWith('workspace:') ? undefined : path.resolve(root, target);
  if (file !== undefined && TARBALL.test(file) && existsSync(file) && statSync(file).isFile()) {
    const copy = path.basename(file);
    copyFileSync(file, path.join(outDir, copy));
    return { name, spec: `file:${copy}`, action: `tarball copied from ${spec}` };
  }
  const installed = installedCopy(root, name) ?? (file !== undefined && existsSync(file) ? file : undefined);
  if (installed === undefined) {
    throw new Error(
      `Dependency '${name}' ("${spec}") is not installed in ${root}: run npm install there, then pack again ` +
        `(pack makes the deploy folder's copy from the installed one).`,
    );
  }
  return packFolder(outDir, name, installed, spec);
}

/** `node_modules/<name>` as Node would find it from the app (links followed), if installed. */
function installedCopy(root: string, name: string): string | undefined {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `npm pack` of an installed package into the deploy folder; its spec becomes `file:<tarball>`. */
function packFolder(outDir: string, name: string, folder: string, was: string): DependencyNote {
  let output: string;
  try {
    output = execFileSync(
      'npm',
      ['pack', folder, '--pack-destination', outDir, '--ignore-scripts', '--json'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: process.platform === 'win32',
      },
    );
  } catch (error) {
    throw new Error(
      `Packing dependency '${name}' from ${folder} with npm pack failed: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  const [packed] = JSON.parse(output) as { filename?: string }[];
  const tarball = packed?.filename?.replace(/^@/, '').replace(/\//g, '-');
  if (!tarball) throw new Error(`npm pack of ${folder} named no tarball: ${output}`);
  const version = readVersion(folder);
  return {
    name,
    spec: `file:${tarball}`,
    action: `packed from the installed copy${version ? ` (${version})` : ''}; was ${was}`,
  };
}

function readVersion(folder: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
