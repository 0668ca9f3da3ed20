import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { AppConfiguration } from '../config/load';
import { errorMessage } from '../errors';
import type { Logger } from '../logging';
import { appModuleFiles, readEntryGlob } from '../registration/loader';
import { findFunctionJsonFolders } from '../registration/function-json';

/** A folder to watch: all of it (`names` undefined), or only some file names directly in it. */
export interface WatchTarget {
  readonly dir: string;
  readonly recursive: boolean;
  readonly names: ReadonlySet<string> | undefined;
  /**
   * The folders in `dir` when watching began (the script root): a folder added or removed there counts as
   * a change (a new function.json folder, an output folder a clean build deletes and writes again).
   */
  readonly folders?: ReadonlySet<string>;
}

/** The quiet time after the last change before a restart: a `tsc -w` rebuild writes many files. */
export const DEFAULT_QUIET_MS = 300;

const GLOB_CHARS = /[*?[\]{}!()]/;
const ROOT_FILES = ['host.json', 'local.settings.json', 'package.json'];

/**
 * What `redis-func start` follows: host.json, local.settings.json and package.json; the folder of the entry
 * glob (`main`) with its subfolders; every function.json folder; the folders of the modules the entry files
 * loaded (outside node_modules); host.json `watchDirectories` (with subfolders) and `watchFiles`.
 */
export function watchTargets(
  config: AppConfiguration,
  /** The app's CommonJS modules (default: those in the require cache now). */
  moduleFiles: readonly string[] = appModuleFiles(config.scriptRoot),
): WatchTarget[] {
  const root = config.scriptRoot;
  const targets = new Map<string, { recursive: boolean; names: Set<string> | undefined }>();
  const add = (dir: string, recursive: boolean, name?: string): void => {
    const resolved = path.resolve(root, dir);
    const known = targets.get(resolved);
    if (!known) {
      targets.set(resolved, { recursive, names: name === undefined ? undefined : new Set([name]) });
    } else {
      known.recursive ||= recursive;
      if (name === undefined) known.names = undefined;
      else known.names?.add(name);
    }
  };
  const addFile = (file: string): void => {
    const resolved = path.resolve(root, file);
    add(path.dirname(resolved), false, path.basename(resolved));
  };
  for (const name of ROOT_FILES) add(root, false, name);
  const entry = existsSync(path.join(root, 'package.json'))
    ? safely(() => readEntryGlob(path.join(root, 'package.json')))
    : undefined;
  if (entry) {
    const base = globBase(entry.glob);
    if (base === '' || path.resolve(root, base) === root) for (const f of config.app.entryFiles) addFile(f);
    else add(base, true);
  }
  for (const folder of findFunctionJsonFolders(root)) add(folder, false);
  for (const file of [...config.app.entryFiles, ...moduleFiles]) {
    if (path.dirname(file) === root) addFile(file);
    else add(path.dirname(file), false);
  }
  for (const dir of config.host.fileWatching.directories) add(dir, true);
  for (const file of config.host.fileWatching.files) addFile(file);
  const all: WatchTarget[] = [...targets].map(([dir, t]) => ({
    dir,
    recursive: t.recursive,
    names: t.names,
    folders: dir === root ? foldersIn(root) : undefined,
  }));
  // A folder inside one watched with its subfolders needs no watch of its own.
  return all.filter(
    (t) => !all.some((o) => o !== t && o.recursive && o.names === undefined && inside(t.dir, o.dir)),
  );
}

/** The folder part of a glob before its first wildcard segment ('' for the script root). */
export function globBase(glob: string): string {
  const segments = glob.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (GLOB_CHARS.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/');
}

export interface AppWatcherOptions {
  readonly targets: readonly WatchTarget[];
  readonly root: string;
  readonly logger: Logger;
  /** Called once changes have been quiet for `quietMs`, with the changed paths relative to the root. */
  readonly onChange: (changed: readonly string[]) => void;
  readonly quietMs?: number;
}

/** Watches the targets with `fs.watch` and reports bursts of changes once they settle. */
export class AppWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: AppWatcherOptions) {
    for (const target of options.targets) this.watchTarget(target);
  }

  /** The folders actually watched (a folder that does not exist is skipped). */
  get watchedCount(): number {
    return this.watchers.length;
  }

  /** Stops watching; returns the changes seen but not yet reported. */
  close(): string[] {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
    const pending = [...this.pending].sort();
    this.pending.clear();
    return pending;
  }

  private watchTarget(target: WatchTarget): void {
    if (!isDirectory(target.dir)) {
      this.options.logger.debug({ dir: target.dir }, `Not watching ${target.dir}: no such folder`);
      return;
    }
    try {
      const watcher = watch(target.dir, { recursive: target.recursive, persistent: false }, (_event, name) =>
        this.changed(target, name === null ? undefined : name.toString()),
      );
      watcher.on('error', (error) =>
        this.options.logger.warn(
          { dir: target.dir, err: errorMessage(error) },
          `Watching ${target.dir} failed; changes there no longer restart the functions`,
        ),
      );
      this.watchers.push(watcher);
    } catch (error) {
      this.options.logger.warn({ dir: target.dir, err: errorMessage(error) }, `Cannot watch ${target.dir}`);
    }
  }

  private changed(target: WatchTarget, name: string | undefined): void {
    if (this.closed || name === undefined) return;
    if (ignored(name)) return;
    if (target.names && !target.names.has(name) && !folderChanged(target, name)) return;
    this.pending.add(path.relative(this.options.root, path.join(target.dir, name)) || name);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const changed = [...this.pending].sort();
      this.pending.clear();
      if (!this.closed) this.options.onChange(changed);
    }, this.options.quietMs ?? DEFAULT_QUIET_MS);
  }
}

/** node_modules, hidden files and folders, editor backups and swap files. */
function ignored(name: string): boolean {
  return name
    .split(/[\\/]/)
    .some(
      (part) =>
        part === 'node_modules' || part.startsWith('.') || part.endsWith('~') || part.endsWith('.swp'),
    );
}

/** A folder of the root that appeared, disappeared or was written again (a clean build). */
function folderChanged(target: WatchTarget, name: string): boolean {
  if (!target.folders || name.includes(path.sep)) return false;
  return target.folders.has(name) || isDirectory(path.join(target.dir, name));
}

function foldersIn(dir: string): ReadonlySet<string> {
  try {
    return new Set(
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !ignored(e.name))
        .map((e) => e.name),
    );
  } catch {
    return new Set();
  }
}

function inside(dir: string, parent: string): boolean {
  const relative = path.relative(parent, dir);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
