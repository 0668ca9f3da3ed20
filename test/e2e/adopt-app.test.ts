// A new user's app, built as `func init --worker-runtime node --language typescript` lays it out, from the
// packed tarball and the files of the README: its tsc, its Jest tests, redis-func start, pack and the
// deploy folder's own npm install.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { ROOT, runCli, type CliProcess } from '../support/cli';
import { startTestRedis, type TestRedis } from '../support/redis-server';

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The README's files: each ts/js block whose first line is `// <path>`. */
function readmeFiles(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const files = new Map<string, string>();
  for (const match of readme.matchAll(/^```(?:ts|js)\n\/\/ ([\w./-]+\.(?:ts|js))\n([\s\S]*?)^```$/gm)) {
    files.set(match[1] ?? '', `// ${match[1] ?? ''}\n${match[2] ?? ''}`);
  }
  return files;
}

/** The version this checkout has installed, so that npm finds it in its cache. */
function installed(name: string): string {
  const pkg = path.join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const env = { ...process.env };
  delete env['JEST_WORKER_ID'];
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output}`);
  return output;
}

const node = (cwd: string, ...args: string[]): string => run(process.execPath, args, cwd);
const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

function writeApp(app: string, tarball: string): void {
  const files = readmeFiles();
  expect([...files.keys()].sort()).toEqual([
    'jest.config.js',
    'src/functions/events.ts',
    'src/functions/jobs.ts',
    'src/functions/orders.ts',
    'test/functions.test.ts',
  ]);
  const json = (file: string, value: unknown): void => {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    writeFileSync(path.join(app, file), `${JSON.stringify(value, null, 2)}\n`);
  };
  json('package.json', {
    name: 'adopt-app',
    version: '1.0.0',
    main: 'dist/src/{index.js,functions/*.js}',
    scripts: { build: 'tsc', test: 'jest' },
    dependencies: {
      '@azure/functions': installed('@azure/functions'),
      'redis-func': `file:${tarball}`,
    },
    devDependencies: Object.fromEntries(
      ['typescript', 'jest', 'ts-jest', '@types/jest', '@types/node'].map((n) => [n, installed(n)]),
    ),
  });
  // func init's tsconfig, unchanged
  json('tsconfig.json', {
    compilerOptions: {
      module: 'commonjs',
      target: 'es6',
      outDir: 'dist',
      rootDir: '.',
      sourceMap: true,
      strict: false,
    },
  });
  json('host.json', {
    version: '2.0',
    extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
  });
  mkdirSync(path.join(app, 'src'), { recursive: true });
  writeFileSync(
    path.join(app, 'src', 'index.ts'),
    "import { app } from '@azure/functions';\n\napp.setup({\n  enableHttpStream: true,\n});\n",
  );
  for (const [file, text] of files) {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    writeFileSync(path.join(app, file), text);
  }
}

let redis: TestRedis | undefined;
let cli: CliProcess | undefined;
afterAll(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGKILL');
    await cli.exited;
  }
  await redis?.stop();
});

test('a func-init TypeScript app builds, tests, runs, packs and installs from the packed tarball', async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'redis-func-adopt-'));
  const app = path.join(base, 'app');
  mkdirSync(app);
  const [packed] = JSON.parse(
    run('npm', ['pack', ROOT, '--pack-destination', base, '--ignore-scripts', '--json'], base),
  ) as { filename: string }[];
  const tarball = packed?.filename ?? '';
  copyFileSync(path.join(base, tarball), path.join(app, tarball));
  writeApp(app, tarball);
  run('npm', ['install', ...NPM_FLAGS], app);

  // its tsc, and the same sources under node16 and bundler resolution
  const tsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  node(app, tsc, '-p', '.');
  expect(existsSync(path.join(app, 'dist', 'src', 'functions', 'jobs.js'))).toBe(true);
  node(app, tsc, '-p', '.', '--noEmit', '--module', 'node16', '--moduleResolution', 'node16');
  node(app, tsc, '-p', '.', '--noEmit', '--module', 'esnext', '--moduleResolution', 'bundler');

  // its Jest tests (the decorated class through scriptRoot among them)
  const jestOutput = node(app, path.join(app, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci');
  expect(jestOutput).toMatch(/Tests:\s+4 passed, 4 total/);

  // redis-func start, against a Redis of its own
  redis = await startTestRedis();
  const bin = path.join(app, 'node_modules', 'redis-func', 'bin', 'redis-func.js');
  cli = runCli(['start', '--json', '--port', '0'], { RedisConnectionString: redis.url }, { bin, cwd: app });
  await cli.waitForLine((l) => msg(l) === 'Host started', 30_000);
  // the board's page ships in the package
  const board = `http://127.0.0.1:${String((await cli.waitForLine((l) => msg(l).startsWith('Board: ')))['port'])}`;
  for (const asset of ['/', '/board/app.js', '/board/feed.js', '/board/app.css']) {
    expect((await fetch(`${board}${asset}`)).status).toBe(200);
  }
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    await client.publish('orders:created', '{"id":"A-1"}');
    await client.lPush('jobs', 'job-1');
    await client.xAdd('events', '*', { kind: 'signup' });
    for (const name of ['onOrderEvent', 'processJob', 'copyEvent']) {
      await cli.waitForLine((l) => msg(l).startsWith(`Executed 'Functions.${name}' (Succeeded`));
    }
    expect(await client.get('last-event')).toBe('{"kind":"signup"}');
  } finally {
    client.destroy();
  }
  cli.child.kill('SIGTERM');
  expect((await cli.exited).code).toBe(0);

  // redis-func pack, and the deploy folder installs and loads on its own
  const packOutput = node(app, bin, 'pack');
  expect(packOutput).toContain(`redis-func: file:${tarball}  (tarball copied from file:${tarball})`);
  const deploy = path.join(app, '.redis-func', 'deploy');
  run('npm', ['install', '--omit=dev', ...NPM_FLAGS], deploy);
  const loaded = node(
    deploy,
    '-e',
    "for (const f of ['onOrderEvent', 'processJob', 'copyEvent']) console.log(f, typeof require('./' + f + '/index.js'))",
  );
  expect(loaded.trim().split('\n')).toEqual([
    'onOrderEvent function',
    'processJob function',
    'copyEvent function',
  ]);
}, 240_000);
