import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestHost } from '../../../src/testing';
import { assertFresh, typeScriptSourceOf } from '../../../src/testing/compiled-source';
import { ROOT } from '../../support/cli';

const handler = (says: string): string =>
  `app.generic('greet', {
  trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'Redis', channel: 'greet', pattern: false }),
  handler: (model${says === 'new' ? ': RedisMessageModel' : ''}) => '${says}:' + model.Message,
});\n`;

/** A TypeScript app as tsc leaves it: src/greet.ts, dist/src/greet.js with its source map. */
function tsApp(): { root: string; compiled: string; source: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'redis-func-ts-app-'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ main: 'dist/src/*.js' }));
  writeFileSync(path.join(root, 'host.json'), '{ "version": "2.0" }');
  mkdirSync(path.join(root, 'src'));
  mkdirSync(path.join(root, 'dist', 'src'), { recursive: true });
  const source = path.join(root, 'src', 'greet.ts');
  const compiled = path.join(root, 'dist', 'src', 'greet.js');
  writeFileSync(
    source,
    `import { app, trigger } from '@azure/functions';\nimport type { RedisMessageModel } from 'redis-func';\n${handler('new')}`,
  );
  writeFileSync(compiled, `const { app, trigger } = require('@azure/functions');\n${handler('old')}`);
  writeFileSync(
    `${compiled}.map`,
    JSON.stringify({
      version: 3,
      file: 'greet.js',
      sourceRoot: '',
      sources: ['../../src/greet.ts'],
      mappings: '',
    }),
  );
  const built = new Date(Date.now() - 60_000);
  utimesSync(compiled, built, built); // built a minute before the source last changed
  return { root, compiled, source };
}

describe('a TypeScript app loaded through scriptRoot', () => {
  it('finds the source of a compiled entry file through its source map', () => {
    const { compiled, source } = tsApp();
    expect(typeScriptSourceOf(compiled)).toBe(source);
    expect(typeScriptSourceOf(source)).toBeUndefined();
  });

  it('under Jest with ts-jest, runs the current source, not the stale build', async () => {
    const { root } = tsApp();
    const h = await createTestHost({ scriptRoot: root });
    try {
      await h.publish('greet', 'x');
      expect(h.invocationsOf('greet').map((r) => r.result)).toEqual(['new:x']);
    } finally {
      await h.close();
    }
  });

  it('refuses a compiled entry file older than its source where nothing compiles TypeScript', () => {
    const { root, compiled } = tsApp();
    expect(() => assertFresh(compiled, root)).toThrow(
      'dist/src/greet.js is older than its source src/greet.ts: the tests would run code that is no longer in your source.',
    );
    const now = new Date();
    utimesSync(compiled, now, now);
    expect(() => assertFresh(compiled, root)).not.toThrow();
  });
});
