import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/redis/embedded-server';
import { ROOT, runCli, type CliProcess } from '../support/cli';

const fixtures = path.join(__dirname, '..', 'fixtures');
const running: CliProcess[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

function start(app: string, env: Record<string, string>, extra: string[] = []): CliProcess {
  const cli = runCli(['start', '--script-root', path.join(fixtures, app), ...extra], {
    StreamKey: 'mistakes:never-read',
    ResultsKey: 'mistakes:results',
    ...env,
  });
  running.push(cli);
  return cli;
}

describe('redis-func start: mistakes a new user makes', () => {
  it('says what it waits for when Redis is unreachable, and Ctrl+C while connecting starts nothing', async () => {
    const port = await freePort(); // nothing listens there
    const cli = start('stream-app', { RedisConnectionString: `localhost:${port}` }, [
      '--json',
      '--port',
      '0',
    ]);
    const waiting = await cli.waitForLine((l) => msg(l).includes('failed; retrying'));
    expect(waiting).toMatchObject({
      level: 'warn',
      setting: 'RedisConnectionString',
      endpoint: `localhost:${port}`,
    });
    expect(String(waiting['err'])).toMatch(/ECONNREFUSED/);
    const closed = new Promise((resolve) => cli.child.once('close', resolve)); // stdout read to its end
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    await closed;
    expect(exit).toEqual({ code: 0, signal: null });
    // In the order the events happened (a line written while the stdout pipe was busy can come out later).
    const messages = [...cli.lines].sort((a, b) => Number(a['time']) - Number(b['time'])).map(msg);
    const stopping = messages.findIndex((m) => m.startsWith('SIGINT received'));
    expect(stopping).toBeGreaterThan(-1);
    const after = messages.slice(stopping + 1);
    expect(
      after.filter((m) => /reads stream|Host started|Host is running|Admin API listening/.test(m)),
    ).toEqual([]);
    expect(after.filter((m) => /failed; retrying|Creating consumer group/.test(m))).toEqual([]);
    expect(after).toContain('Host stopped');
    expect(messages.some((m) => m.startsWith('Host started'))).toBe(false);
  });

  it('refuses to start when the admin port is taken, naming the port and how to choose another', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const cli = start('stream-app', { RedisConnectionString: '127.0.0.1:1' }, [
      '--json',
      '--port',
      String(port),
    ]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr().trim()).toBe(
      `redis-func: error RF_ADMIN_PORT_IN_USE: Port ${port} on 127.0.0.1 (the admin API) is already in use, ` +
        `perhaps by another redis-func or func start. Stop that process, or choose another port with --port N ` +
        `or with "Host": { "LocalHttpPort": N } in local.settings.json (--port 0 takes any free port).`,
    );
    // checked before anything connects: not a single connection attempt was logged
    expect(cli.lines.filter((l) => msg(l).includes('retrying'))).toEqual([]);
  });

  it('--pretty prints one line per event, starting with its ISO time, and no JSON', async () => {
    const port = await freePort();
    const cli = start('stream-app', { RedisConnectionString: `127.0.0.1:${port}` }, [
      '--pretty',
      '--port',
      '0',
    ]);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (cli.text.some((l) => l.includes('failed; retrying'))) resolve();
      };
      cli.child.stdout?.on('data', check);
      check();
    });
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(cli.lines).toEqual([]); // nothing is JSON
    const events = cli.text.filter((l) => l.startsWith('['));
    expect(
      cli.text.filter((l) => l !== '' && !l.startsWith('[') && !l.startsWith('\t') && l !== 'Functions:'),
    ).toEqual([]);
    expect(cli.text).toContain('\tonEntry: redisStreamTrigger');
    for (const line of events) expect(line).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] /);
    expect(events.find((l) => l.includes('failed; retrying'))).toMatch(
      new RegExp(
        `\\] Warning: Redis connection RedisConnectionString \\(127\\.0\\.0\\.1:${port}, .*\\) failed; retrying \\(.*ECONNREFUSED`,
      ),
    );
  });

  it('accepts a host.json with comments and warns about a misspelled option, naming the closest one', async () => {
    // Inside the repo, so the app's require('@azure/functions') resolves as it would in a real app.
    mkdirSync(path.join(ROOT, '.redis-func'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, '.redis-func', 'mistakes-app-'));
    writeFileSync(path.join(dir, 'host.json'), '{\n  // as func init writes it\n  "version": "2.0",\n}\n');
    writeFileSync(path.join(dir, 'package.json'), '{ "main": "index.js" }');
    writeFileSync(
      path.join(dir, 'index.js'),
      `const { app } = require('@azure/functions');
app.generic('onOrder', {
  trigger: { type: 'redisPubSubTrigger', name: 'm', connection: 'R', channel: 'orders:*', chanel: 'orders:*' },
  handler: () => undefined,
});
app.generic('onJob', {
  trigger: { type: 'redisStreamTrigger', name: 'e', connection: 'R', key: 'jobs', consumerGroupName: 'g' },
  handler: () => undefined,
});
`,
    );
    const cli = runCli(['start', '--script-root', dir, '--json', '--port', '0'], {
      R: `127.0.0.1:${await freePort()}`,
    });
    running.push(cli);
    const order = await cli.waitForLine((l) => l['functionName'] === 'onOrder' && l['level'] === 'warn');
    const job = await cli.waitForLine((l) => l['functionName'] === 'onJob' && l['level'] === 'warn');
    expect(order).toMatchObject({ unknownOptions: ['chanel'], suggestions: ['channel'] });
    expect(msg(order)).toContain('did you mean "channel"?');
    expect(job).toMatchObject({ unknownOptions: ['consumerGroupName'], suggestions: ['consumerGroup'] });
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(cli.lines.filter((l) => Array.isArray(l['unknownOptions']))).toHaveLength(2); // once per function
  });
});
