import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEntryGlob, resolveEntryFiles } from '../../../src/registration/loader';
import { ROOT } from '../../support/cli';

function app(pkg: Record<string, unknown>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'redis-func-entry-'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify(pkg));
  mkdirSync(path.join(root, 'app'));
  writeFileSync(path.join(root, 'app', 'a.js'), '');
  writeFileSync(path.join(root, 'lib.js'), '');
  return root;
}

describe('the entry files of an app', () => {
  it('come from "main", as the Node worker reads them', async () => {
    const root = app({ main: 'app/*.js' });
    expect(await resolveEntryFiles(root)).toEqual([path.join(root, 'app', 'a.js')]);
  });

  it('come from "redis-func.main" when a package keeps "main" for its library', async () => {
    const root = app({ main: 'lib.js', 'redis-func': { main: 'app/*.js' } });
    expect(readEntryGlob(path.join(root, 'package.json'))).toEqual({
      glob: 'app/*.js',
      field: 'redis-func.main',
    });
    expect(await resolveEntryFiles(root)).toEqual([path.join(root, 'app', 'a.js')]);
  });

  it('name the field in errors', async () => {
    await expect(resolveEntryFiles(app({ 'redis-func': { main: 42 } }))).rejects.toThrow(
      /field "redis-func.main" must name the app's entry files/,
    );
    await expect(resolveEntryFiles(app({ 'redis-func': { main: 'none/*.js' } }))).rejects.toThrow(
      /field "redis-func.main" \("none\/\*.js"\) matches no file/,
    );
  });

  it("redis-func's own package.json describes the library; the sample app's glob is its own field", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      main: 'dist/src/index.js',
      types: 'dist/src/index.d.ts',
      'redis-func': { main: 'dist/functions/*.js' },
      typesVersions: { '*': { testing: ['dist/src/testing/index.d.ts'] } },
    });
  });
});
