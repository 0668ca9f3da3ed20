import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/redis/embedded-server';
import { runCli, type CliProcess } from '../support/cli';

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
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const messages = cli.lines.map(msg);
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
});
