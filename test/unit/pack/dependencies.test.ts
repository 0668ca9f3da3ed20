import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployDependencies } from '../../../src/pack/dependencies';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};

/** An app folder with a sibling library folder `lib` installed as a link, and an empty deploy folder. */
function layout(): { root: string; outDir: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'redis-func-deps-'));
  const root = path.join(base, 'app');
  const lib = path.join(base, 'lib');
  mkdirSync(path.join(root, 'node_modules'), { recursive: true });
  mkdirSync(lib);
  writeFileSync(path.join(lib, 'package.json'), JSON.stringify({ name: 'lib', version: '2.3.4' }));
  writeFileSync(path.join(lib, 'index.js'), 'module.exports = 1;\n');
  symlinkSync(lib, path.join(root, 'node_modules', 'lib'));
  writeFileSync(path.join(base, 'redis-func-0.1.0.tgz'), 'a tarball');
  const outDir = path.join(root, '.redis-func', 'deploy');
  mkdirSync(outDir, { recursive: true });
  return { root, outDir };
}

describe('the deploy folder’s dependencies', () => {
  it('keep registry, git and URL specs; copy a local tarball in', () => {
    const { root, outDir } = layout();
    const result = deployDependencies(root, outDir, {
      dependencies: {
        'redis-func': 'file:../redis-func-0.1.0.tgz',
        '@azure/functions': '^4.16.5',
        gitdep: 'github:someone/gitdep#v1',
      },
    });
    expect(result.dependencies).toEqual({
      'redis-func': 'file:redis-func-0.1.0.tgz',
      '@azure/functions': '^4.16.5',
      gitdep: 'github:someone/gitdep#v1',
    });
    expect(readFileSync(path.join(outDir, 'redis-func-0.1.0.tgz'), 'utf8')).toBe('a tarball');
    expect(result.notes).toEqual([
      {
        name: 'redis-func',
        spec: 'file:redis-func-0.1.0.tgz',
        action: 'tarball copied from file:../redis-func-0.1.0.tgz',
      },
    ]);
  });

  it('pack a linked folder from its installed copy, and redis-func when the app does not list it', () => {
    const { root, outDir } = layout();
    const result = deployDependencies(root, outDir, { dependencies: { lib: 'file:../lib' } });
    expect(result.dependencies).toEqual({
      lib: 'file:lib-2.3.4.tgz',
      'redis-func': `file:redis-func-${pkg.version}.tgz`,
    });
    expect(existsSync(path.join(outDir, 'lib-2.3.4.tgz'))).toBe(true);
    expect(existsSync(path.join(outDir, `redis-func-${pkg.version}.tgz`))).toBe(true);
    expect(result.notes.map((n) => n.action)).toEqual([
      'packed from the installed copy (2.3.4); was file:../lib',
      `packed from the installed copy (${pkg.version}); was not listed by the app`,
    ]);
  });

  it('refuse a workspace dependency that is not installed, saying what to do', () => {
    const { root, outDir } = layout();
    expect(() =>
      deployDependencies(root, outDir, { dependencies: { shared: 'workspace:*', 'redis-func': '^0.1.0' } }),
    ).toThrow(`Dependency 'shared' ("workspace:*") is not installed in ${root}: run npm install there`);
  });
});
