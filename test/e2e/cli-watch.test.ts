import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { ROOT, runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

// Follow edits: `redis-func start` restarts the functions when the app's files change.
const redis = createClient({ url: redisUrl() });
const blocking = redis.duplicate();
const running: CliProcess[] = [];
const apps: string[] = [];

beforeAll(async () => {
  await Promise.all([redis.connect(), blocking.connect()]);
});
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  for (const dir of apps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(() => {
  redis.destroy();
  blocking.destroy();
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

const HANDLER = `const { app } = require('@azure/functions');
const { createClient } = require('redis');
const { version } = require('../lib/version');
let client;
const redis = () => (client ??= createClient({ url: process.env.RedisConnectionString }).connect());
app.generic('onJob', {
  trigger: { type: 'redisListTrigger', name: 'job', direction: 'in', connection: 'RedisConnectionString',
    key: '%ListKey%', batchSize: 10, pollingIntervalInMs: 20, mode: process.env.ListMode || 'polling' },
  handler: async (model) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await (await redis()).rPush(process.env.ResultsKey, version + ' ' + model.Message);
  },
});
app.hook.appTerminate(async () => { if (client) (await client).destroy(); });
`;

const version = (v: string): string => `exports.version = '${v}';\n`;

/** A compiled app in the repository (so `@azure/functions` resolves): its handler requires lib/version.js. */
function writeApp(): string {
  mkdirSync(path.join(ROOT, '.redis-func'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.redis-func', 'watch-app-'));
  apps.push(dir);
  const files: Record<string, string> = {
    'host.json': '{ "version": "2.0" }',
    'package.json': '{ "main": "dist/functions/*.js" }',
    'dist/functions/jobs.js': HANDLER,
    'dist/lib/version.js': version('v1'),
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function start(app: string, p: string, extra: string[] = [], mode = 'polling'): CliProcess {
  const cli = runCli(['start', '--script-root', app, '--json', '--port', '0', ...extra], {
    RedisConnectionString: redisUrl(),
    ListMode: mode,
    ListKey: `${p}jobs`,
    ResultsKey: `${p}results`,
  });
  running.push(cli);
  return cli;
}

async function nextResult(p: string): Promise<string> {
  const popped = await blocking.blPop(`${p}results`, 15);
  if (!popped) throw new Error(`no result on ${p}results within 15 s`);
  return popped.element;
}

const restarts = (cli: CliProcess): Record<string, unknown>[] =>
  cli.lines.filter((l) => msg(l).startsWith('Restarted in '));

describe('redis-func start follows edits', () => {
  it('restarts on the new code after a save, keeps the old one on a broken save and recovers on the next', async () => {
    const app = writeApp();
    const p = uniquePrefix('watch');
    const cli = start(app, p);
    await cli.waitForLine((l) => msg(l).startsWith('Following edits'));
    await redis.lPush(`${p}jobs`, 'a');
    expect(await nextResult(p)).toBe('v1 a');

    writeFileSync(path.join(app, 'dist/lib/version.js'), version('v2'));
    const restarted = await cli.waitForLine(
      (l) => restarts(cli).length === 1 && msg(l).startsWith('Restarted'),
    );
    expect(restarted['changed']).toEqual([path.join('dist', 'lib', 'version.js')]);
    expect(restarted['durationMs']).toEqual(expect.any(Number));
    expect(cli.lines.some((l) => msg(l).startsWith('Change detected (dist/lib/version.js)'))).toBe(true);
    await redis.lPush(`${p}jobs`, 'b');
    expect(await nextResult(p)).toBe('v2 b');

    writeFileSync(path.join(app, 'dist/lib/version.js'), "exports.version = 'v3"); // a syntax error
    const failed = await cli.waitForLine((l) => msg(l).startsWith('Reload failed'));
    expect(failed['level']).toBe('error');
    expect(msg(failed)).toContain('the functions loaded before keep running');
    expect(String(failed['err'])).toMatch(/Invalid or unexpected token|Unterminated string/);
    await redis.lPush(`${p}jobs`, 'c');
    expect(await nextResult(p)).toBe('v2 c');

    writeFileSync(path.join(app, 'dist/lib/version.js'), version('v3'));
    await cli.waitForLine(() => restarts(cli).length === 2);
    await redis.lPush(`${p}jobs`, 'd');
    expect(await nextResult(p)).toBe('v3 d');

    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('follows a clean rebuild: the output folder deleted, then written again', async () => {
    const app = writeApp();
    const p = uniquePrefix('watchclean');
    const cli = start(app, p);
    await cli.waitForLine((l) => msg(l).startsWith('Following edits'));
    rmSync(path.join(app, 'dist'), { recursive: true });
    await cli.waitForLine((l) => msg(l).startsWith('Reload failed') && msg(l).includes('matches no file'));
    mkdirSync(path.join(app, 'dist', 'functions'), { recursive: true });
    mkdirSync(path.join(app, 'dist', 'lib'));
    writeFileSync(path.join(app, 'dist/lib/version.js'), version('v2'));
    writeFileSync(path.join(app, 'dist/functions/jobs.js'), HANDLER);
    await cli.waitForLine((l) => msg(l).startsWith('Restarted in '));
    await redis.lPush(`${p}jobs`, 'e');
    expect(await nextResult(p)).toBe('v2 e');
  });

  it('does not restart with --no-watch nor with fileWatchingEnabled false (a watching host shows the change was seen)', async () => {
    const app = writeApp();
    const other = writeApp();
    writeFileSync(path.join(other, 'host.json'), '{ "version": "2.0", "fileWatchingEnabled": false }');
    const quiet = uniquePrefix('nowatch');
    const off = uniquePrefix('watchoff');
    const witness = uniquePrefix('witness');
    const fixed = start(app, quiet, ['--no-watch']);
    const disabled = start(other, off);
    const watching = start(app, witness);
    for (const cli of [fixed, disabled])
      await cli.waitForLine((l) => msg(l) === 'Host is running. Press Ctrl+C to stop.');
    await watching.waitForLine((l) => msg(l).startsWith('Following edits'));
    for (const cli of [fixed, disabled])
      expect(cli.lines.some((l) => msg(l).startsWith('Following edits'))).toBe(false);

    writeFileSync(path.join(other, 'dist/lib/version.js'), version('v2'));
    writeFileSync(path.join(app, 'dist/lib/version.js'), version('v2'));
    await watching.waitForLine((l) => msg(l).startsWith('Restarted in '));
    await redis.lPush(`${quiet}jobs`, 'x');
    await redis.lPush(`${off}jobs`, 'y');
    expect(await nextResult(quiet)).toBe('v1 x');
    expect(await nextResult(off)).toBe('v1 y');
    for (const cli of [fixed, disabled])
      expect(cli.lines.some((l) => msg(l).startsWith('Change detected'))).toBe(false);
  });

  it.each(['polling', 'blocking'])(
    'loses no element of a plain %s list to a restart under a steady producer',
    async (mode) => {
      const app = writeApp();
      const p = uniquePrefix('watchload');
      const cli = start(app, p, [], mode);
      await cli.waitForLine((l) => msg(l).startsWith('Following edits'));
      let sent = 0;
      const send = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) await redis.lPush(`${p}jobs`, String(++sent));
      };
      await send(50);
      const first = await nextResult(p);
      expect(first).toMatch(/^v1 \d+$/); // v1 is working before the edit
      writeFileSync(path.join(app, 'dist/lib/version.js'), version('v2'));
      while (restarts(cli).length === 0) {
        if (cli.child.exitCode !== null) throw new Error(`the CLI exited: ${cli.stderr()}`);
        await send(10);
      }
      await send(200);
      const seen = [first];
      while (seen.length < sent) seen.push(await nextResult(p));
      const numbers = seen.map((r) => Number(r.split(' ')[1])).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: sent }, (_, i) => i + 1)); // each element once
      expect(new Set(seen.map((r) => r.split(' ')[0]))).toEqual(new Set(['v1', 'v2']));
      expect(await redis.lLen(`${p}jobs`)).toBe(0);
      expect(await redis.lLen(`${p}results`)).toBe(0);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    },
  );
});
