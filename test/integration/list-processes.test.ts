import path from 'node:path';
import { createClient } from 'redis';
import { listProcessingKey } from '../../src/triggers/list-keys';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

// Host processes (the built CLI, `npm run build` first) on the list-app fixture, which records each handled
// element as "<element> <pid>" in a results list after its work is done.
const fixture = path.join(__dirname, '..', 'fixtures', 'list-app');
const redis = createClient({ url: redisUrl() });
const running: CliProcess[] = [];

beforeAll(async () => {
  await redis.connect();
});
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(() => {
  redis.destroy();
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

async function startHost(env: Record<string, string>): Promise<CliProcess> {
  const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
    RedisConnectionString: redisUrl(),
    ...env,
  });
  running.push(cli);
  await cli.waitForLine((l) => msg(l) === 'Host started');
  return cli;
}

async function push(key: string, count: number): Promise<string[]> {
  const elements = Array.from({ length: count }, (_, i) => `e${i}`);
  for (let i = 0; i < count; i += 500) await redis.rPush(key, elements.slice(i, i + 500));
  return elements;
}

async function results(key: string): Promise<{ element: string; pid: string }[]> {
  return (await redis.lRange(key, 0, -1)).map((line) => {
    const [element = '', pid = ''] = line.split(' ');
    return { element, pid };
  });
}

/** Polls Redis state (a results list has no event to wait on); no fixed sleeps. */
async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('list trigger across host processes', () => {
  it.each([
    ['polling', { ListMode: 'polling' }],
    ['blocking', { ListMode: 'blocking' }],
    ['reliable blocking', { ListMode: 'blocking', Reliable: 'true' }],
  ])('3 processes (%s) divide 1,000 elements, each handled exactly once', async (_name, mode) => {
    const p = uniquePrefix('list-procs');
    const env = { ListKey: `${p}jobs`, ResultsKey: `${p}results`, HandlerDelayMs: '2', ...mode };
    const hosts = await Promise.all([startHost(env), startHost(env), startHost(env)]);
    const elements = await push(env.ListKey, 1000);
    await waitFor(async () => (await redis.lLen(env.ResultsKey)) >= 1000, '1,000 results');
    const handled = await results(env.ResultsKey);
    expect(handled).toHaveLength(1000);
    expect(new Set(handled.map((h) => h.element))).toEqual(new Set(elements));
    const pids = new Set(handled.map((h) => h.pid));
    expect([...pids].sort()).toEqual(hosts.map((h) => String(h.child.pid)).sort());

    for (const host of hosts) host.child.kill('SIGTERM');
    for (const host of hosts) expect((await host.exited).code).toBe(0);
    expect(await redis.lLen(env.ListKey)).toBe(0);
    expect(await redis.lLen(env.ResultsKey)).toBe(1000);
  });

  it('reliable mode: kill -9 mid-batch, then restart: nothing lost, duplicates only from the batch in flight', async () => {
    const p = uniquePrefix('list-kill');
    const env = {
      ListKey: `${p}jobs`,
      ResultsKey: `${p}results`,
      // Slow enough that the kill lands mid-batch even on a busy machine.
      HandlerDelayMs: '30',
      BatchSize: '20',
      Reliable: 'true',
      HeartbeatTimeoutMs: '300',
    };
    const first = await startHost(env);
    const started = await first.waitForLine((l) => msg(l).includes('pops list(s)'));
    const elements = await push(env.ListKey, 1000);
    // 110, not 100: results come 10 at a time (concurrency 10) and a batch is 20, so 100 results is the end of
    // a batch, when nothing may be in flight for a moment; at 110 the second half of a batch is running.
    await waitFor(async () => (await redis.lLen(env.ResultsKey)) >= 110, '110 results');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const processing = listProcessingKey(env.ListKey, String(started['owner']));
    const inFlight = await redis.lRange(processing, 0, -1);
    if (inFlight.length === 0) {
      // (What the state was, should the kill have missed the batch in flight.)
      const state = {
        llen: await redis.lLen(env.ListKey),
        results: await redis.lLen(env.ResultsKey),
        processingLists: await redis.keys(`*${env.ListKey}*`),
        log: first.lines.slice(-8),
      };
      throw new Error(`nothing in the processing list after kill -9: ${JSON.stringify(state)}`);
    }
    // The batch being handled plus the one fetched ahead (a full batch reads the next while it runs).
    expect(inFlight.length).toBeLessThanOrEqual(2 * 20);

    const second = await startHost(env);
    await waitFor(
      async () => new Set((await results(env.ResultsKey)).map((r) => r.element)).size === 1000,
      'all elements',
    );
    await second.waitForLine((l) => msg(l).startsWith('Returned '));
    const handled = (await results(env.ResultsKey)).map((r) => r.element);
    expect(new Set(handled)).toEqual(new Set(elements));
    const seen = new Set<string>();
    const duplicates = handled.filter((e) => (seen.has(e) ? true : (seen.add(e), false)));
    for (const e of duplicates) expect(inFlight).toContain(e);
    expect(await redis.exists(processing)).toBe(0);
    expect(await redis.lLen(env.ListKey)).toBe(0);
  });
});
