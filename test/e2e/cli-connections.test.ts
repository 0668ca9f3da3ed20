import path from 'node:path';
import { createClient } from 'redis';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const fixture = path.join(__dirname, '..', 'fixtures', 'pubsub-app');
const running: CliProcess[] = [];
const servers: EmbeddedRedis[] = [];

afterEach(async () => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  for (const server of servers.splice(0)) await server.stop();
});

/** Whether a process runs (signal 0 checks without sending). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

function start(env: Record<string, string>, extra: string[] = []): CliProcess {
  const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0', ...extra], {
    OrdersChannel: 'o:*',
    REDIS_URL: '', // the test Redis's URL: a setting that looks like a Redis connection
    ...env,
  });
  running.push(cli);
  return cli;
}

describe('redis-func start: connections', () => {
  it('starts a private redis-server when the connection setting is not set, and says how to publish to it', async () => {
    const cli = start({ RedisConnectionString: '' });
    const notice = await cli.waitForLine((l) => msg(l).includes('started a private redis-server'));
    const port = Number(notice['port']);
    await cli.waitForLine((l) => msg(l) === 'Host started');
    expect(msg(notice)).toContain(`redis-cli -p ${port} PUBLISH`);
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
    await client.publish('exact:one', 'hi');
    await client.set('gone', '1');
    await client.del('gone'); // the private server has keyspace notifications on
    await cli.waitForLine((l) => msg(l) === 'exact hi');
    await cli.waitForLine((l) => msg(l) === 'deleted gone');
    client.destroy();
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    // the private server went away with the host
    const probe = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow();
  });

  it('leaves no private redis-server behind when the host is killed with SIGKILL', async () => {
    const cli = start({ RedisConnectionString: '' });
    const notice = await cli.waitForLine((l) => msg(l).includes('started a private redis-server'));
    await cli.waitForLine((l) => msg(l) === 'Host started');
    const client = createClient({ url: `redis://127.0.0.1:${Number(notice['port'])}` });
    client.on('error', () => undefined);
    await client.connect();
    const serverPid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    client.destroy();
    expect(isAlive(serverPid)).toBe(true);
    cli.child.kill('SIGKILL'); // no handler of ours runs: the kernel ends the server (setpriv --pdeathsig)
    await cli.exited;
    const until = Date.now() + 5000;
    while (isAlive(serverPid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(serverPid)).toBe(false);
  });

  it('names the setting and the fix when redis-server is not on PATH', async () => {
    const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      RedisConnectionString: '',
      REDIS_URL: '',
      OrdersChannel: 'o:*',
      PATH: '/nonexistent',
    });
    running.push(cli);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(
      /^redis-func: error RF_REDIS_SERVER_NOT_FOUND: .*'RedisConnectionString'.*redis-server/s,
    );
  });

  it('refuses a misspelled connection setting while another holds a Redis, suggesting the close name', async () => {
    const cli = start({ RedisConnectionString: '', RedisConnection: redisUrl() });
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(
      /^redis-func: error RF_CONNECTION_NOT_FOUND: Functions 'onKeyDel', 'onOrder', 'onExact' \(connection 'RedisConnectionString'\).*Did you mean 'RedisConnection' \(environment variable RedisConnection\)\?/s,
    );
    expect(cli.lines.some((l) => msg(l).includes('private redis-server'))).toBe(false);
  });

  it('keeps retrying with a warning while Redis is unreachable, and connects once it is up', async () => {
    const port = await freePort();
    const cli = start({ RedisConnectionString: `127.0.0.1:${port}` });
    await cli.waitForLine((l) => l['level'] === 'warn' && msg(l).includes('failed; retrying'));
    servers.push(await startEmbeddedRedis({ port }));
    await cli.waitForLine((l) => msg(l) === 'Host started', 20_000);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('stops while still connecting when told to', async () => {
    const cli = start({ RedisConnectionString: '127.0.0.1:1' });
    await cli.waitForLine((l) => msg(l).includes('failed; retrying'));
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });

  it('exits with the auth error on a wrong password, without printing it', async () => {
    const server = await startEmbeddedRedis({ args: ['--requirepass', 'the-right-one'] });
    servers.push(server);
    const cli = start({ RedisConnectionString: `127.0.0.1:${server.port},password=sw0rdfish-wrong` });
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(/^redis-func: error RF_REDIS_AUTH_FAILED: .*'RedisConnectionString'/);
    const everything = cli.stderr() + JSON.stringify(cli.lines) + cli.text.join('\n');
    expect(everything).not.toContain('sw0rdfish-wrong');
  });

  it('stops at once when abortConnect=True and Redis is unreachable', async () => {
    const cli = start({ RedisConnectionString: '127.0.0.1:1,abortConnect=True' });
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(/^redis-func: error RF_REDIS_UNREACHABLE: .*abortConnect=True/);
  });
});

describe('redis-func start: admin API', () => {
  it('runs a function by hand, lists functions, reports status and metrics', async () => {
    const cli = start({ RedisConnectionString: redisUrl() });
    const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
    const base = `http://127.0.0.1:${Number(listening['port'])}`;
    const post = (name: string, body?: string) =>
      fetch(`${base}/admin/functions/${name}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    expect((await post('onExact', JSON.stringify({ input: 'by hand' }))).status).toBe(202);
    expect((await post('nope', JSON.stringify({ input: 'x' }))).status).toBe(404);
    expect((await post('onExact')).status).toBe(400);
    expect((await post('onExact', 'not json')).status).toBe(400);
    const executing = await cli.waitForLine((l) => msg(l).startsWith("Executing 'Functions.onExact'"));
    expect(msg(executing)).toContain("Reason='This function was programmatically called via the host APIs.'");
    await cli.waitForLine((l) => msg(l) === 'exact by hand');
    const functions = (await (await fetch(`${base}/admin/functions`)).json()) as {
      name: string;
      trigger: string;
    }[];
    expect(functions.map((f) => f.name).sort()).toEqual(['onExact', 'onKeyDel', 'onOrder']);
    const status = (await (await fetch(`${base}/admin/host/status`)).json()) as {
      state: string;
      connections: Record<string, string>;
    };
    expect(status.state).toBe('running');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('redis_func_invocations_total{function="onExact",status="succeeded"} 1');
    expect(metrics).toContain('redis_func_invocation_duration_seconds_count{function="onExact"} 1');
    expect(Object.keys(status.connections)).toEqual(['RedisConnectionString']);
  });

  it('serves the backlog gauges of every list function from the first scrape on', async () => {
    const listApp = path.join(__dirname, '..', 'fixtures', 'list-app');
    const key = `${uniquePrefix('e2e-scrape')}jobs`;
    const cli = runCli(['start', '--script-root', listApp, '--json', '--port', '0'], {
      RedisConnectionString: redisUrl(),
      ListKey: key,
      ResultsKey: `${key}:results`,
      PollingIntervalInMs: '60000',
      BatchSize: '4',
    });
    running.push(cli);
    const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
    const metrics = await (await fetch(`http://127.0.0.1:${Number(listening['port'])}/metrics`)).text();
    expect(metrics).toContain('redis_func_backlog{function="onJob"} 0');
    expect(metrics).toContain('redis_func_target_instances{function="onJob"} 0');
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });

  it('needs FUNCTIONS_MASTER_KEY to listen beyond loopback, and then checks x-functions-key', async () => {
    const refused = start({ RedisConnectionString: redisUrl() }, ['--bind', '0.0.0.0']);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toContain("set the app setting 'FUNCTIONS_MASTER_KEY'");

    const cli = start({ RedisConnectionString: redisUrl(), FUNCTIONS_MASTER_KEY: 'k3y-for-admin' }, [
      '--bind',
      '0.0.0.0',
    ]);
    const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
    const url = `http://127.0.0.1:${Number(listening['port'])}/admin/functions/onExact`;
    const body = JSON.stringify({ input: 'keyed' });
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', body, headers: { 'x-functions-key': 'wrong' } })).status).toBe(
      401,
    );
    expect(
      (await fetch(url, { method: 'POST', body, headers: { 'x-functions-key': 'k3y-for-admin' } })).status,
    ).toBe(202);
    await cli.waitForLine((l) => msg(l) === 'exact keyed');
    expect(JSON.stringify(cli.lines)).not.toContain('k3y-for-admin');
  });

  it('runs N listener sets with --instances and warns that each gets every Pub/Sub message', async () => {
    const cli = start({ RedisConnectionString: redisUrl() }, ['--instances', '2']);
    const warning = await cli.waitForLine((l) =>
      msg(l).includes('every instance gets every Pub/Sub message'),
    );
    expect(warning['instances']).toBe(2);
    const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
    const base = `http://127.0.0.1:${Number(listening['port'])}`;
    const status = (await (await fetch(`${base}/admin/host/status`)).json()) as { instances: number };
    expect(status.instances).toBe(2);
    const client = createClient({ url: redisUrl() });
    await client.connect();
    expect(await client.publish('exact:one', 'twice')).toBe(2);
    client.destroy();
    await cli.waitForLine((l) => msg(l) === 'exact twice' && l['instance'] === 1);
    await cli.waitForLine((l) => msg(l) === 'exact twice' && l['instance'] === 0);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
