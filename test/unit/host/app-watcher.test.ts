import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfiguration } from '../../../src/config/load';
import { AppWatcher, globBase, watchTargets, type WatchTarget } from '../../../src/host/app-watcher';
import { createLogger } from '../../../src/logging';

const logger = createLogger({ json: true, level: 'silent' });

function writeApp(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'watch-app-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

describe('what redis-func start follows', () => {
  it('takes the folder before the first wildcard of the entry glob', () => {
    expect(globBase('dist/src/functions/*.js')).toBe('dist/src/functions');
    expect(globBase('dist/**/*.js')).toBe('dist');
    expect(globBase('index.js')).toBe('');
    expect(globBase('lib/{a,b}/*.js')).toBe('lib');
  });

  it('watches the entry folder with subfolders, loaded modules, function.json folders and host.json lists', async () => {
    const root = writeApp({
      'host.json': JSON.stringify({
        version: '2.0',
        watchDirectories: ['shared'],
        watchFiles: ['rules.txt'],
      }),
      'package.json': JSON.stringify({ main: 'dist/functions/*.js' }),
      'dist/functions/a.js': "require('../lib/util.js'); require('../../root-helper.js');",
      'dist/functions/nested/b.js': '',
      'dist/lib/util.js': '',
      'root-helper.js': '',
      'legacy/function.json': JSON.stringify({
        bindings: [{ type: 'redisPubSubTrigger', name: 'm', direction: 'in', connection: 'R', channel: 'c' }],
      }),
      'legacy/index.js': 'module.exports = async () => {};',
      'shared/x.js': '',
      'node_modules/dep/index.js': '',
    });
    const config = await loadConfiguration({ scriptRoot: root, env: { R: 'localhost:6379' } });
    const byDir = new Map(watchTargets(config).map((t) => [path.relative(root, t.dir), t]));
    const names = (t: WatchTarget | undefined): string[] | undefined => t?.names && [...t.names].sort();
    expect([...byDir.keys()].sort()).toEqual(['', 'dist/functions', 'dist/lib', 'legacy', 'shared']);
    expect(byDir.get('dist/functions')).toMatchObject({ recursive: true, names: undefined });
    expect(byDir.get('dist/lib')).toMatchObject({ recursive: false, names: undefined });
    expect(byDir.get('legacy')).toMatchObject({ recursive: false, names: undefined });
    expect(byDir.get('shared')).toMatchObject({ recursive: true, names: undefined });
    expect(names(byDir.get(''))).toEqual([
      'host.json',
      'local.settings.json',
      'package.json',
      'root-helper.js',
      'rules.txt',
    ]);
    expect(byDir.get('')?.recursive).toBe(false);
    expect([...(byDir.get('')?.folders ?? [])].sort()).toEqual(['dist', 'legacy', 'shared']); // not node_modules
  });

  it('reports a burst of changes once, without node_modules or hidden files', async () => {
    const root = writeApp({ 'dist/a.js': '', 'dist/node_modules/x.js': '', 'dist/.cache': '' });
    const dir = path.join(root, 'dist');
    const reported = new Promise<readonly string[]>((resolve) => {
      const watcher = new AppWatcher({
        targets: [{ dir, recursive: true, names: undefined }],
        root,
        logger,
        quietMs: 300,
        onChange: (changed) => {
          watcher.close();
          resolve(changed);
        },
      });
      expect(watcher.watchedCount).toBe(1);
    });
    writeFileSync(path.join(dir, 'node_modules', 'x.js'), 'changed');
    writeFileSync(path.join(dir, '.cache'), 'changed');
    writeFileSync(path.join(dir, 'a.js'), 'changed');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'b.js'), 'new');
    const changed = await reported;
    expect(changed).toEqual(expect.arrayContaining(['dist/a.js', path.join('dist', 'sub', 'b.js')]));
    expect(changed.filter((f) => f.includes('node_modules') || f.includes('.cache'))).toEqual([]);
  });

  it('reports a folder added to the script root (a new function.json folder)', async () => {
    const root = writeApp({ 'host.json': '{}', 'package.json': '{}' });
    const reported = new Promise<readonly string[]>((resolve) => {
      const watcher = new AppWatcher({
        targets: [{ dir: root, recursive: false, names: new Set(['host.json']), folders: new Set() }],
        root,
        logger,
        quietMs: 50,
        onChange: (changed) => {
          watcher.close();
          resolve(changed);
        },
      });
    });
    writeFileSync(path.join(root, 'notes.txt'), 'not followed');
    mkdirSync(path.join(root, 'newFunction'));
    expect(await reported).toEqual(['newFunction']);
  });

  it('passes over a folder that does not exist and only reports the named files of a folder', async () => {
    const root = writeApp({ 'host.json': '{}', 'other.txt': '' });
    const reported = new Promise<readonly string[]>((resolve) => {
      const watcher = new AppWatcher({
        targets: [
          { dir: path.join(root, 'missing'), recursive: true, names: undefined },
          { dir: root, recursive: false, names: new Set(['host.json']) },
        ],
        root,
        logger,
        quietMs: 50,
        onChange: (changed) => {
          watcher.close();
          resolve(changed);
        },
      });
      expect(watcher.watchedCount).toBe(1);
    });
    writeFileSync(path.join(root, 'other.txt'), 'changed');
    writeFileSync(path.join(root, 'host.json'), '{ "version": "2.0" }');
    expect(await reported).toEqual(['host.json']);
  });
});
