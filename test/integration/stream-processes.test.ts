import path from 'node:path';
import { createClient } from 'redis';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

// Host processes (the built CLI, `npm run build` first) on the stream-app fixture, which records each handled
// entry as "<id> <pid>" in a results list after its work is done.
const fixture = path.join(__dirname, '..', 'fixtures', 'stream-app');
/** The default consumer group: the function's name (test/fixtures/stream-app's onEntry), as in Azure. */
const GROUP = 'onEntry';
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

async function addEntries(key: string, count: number): Promise<string[]> {
  const multi = redis.multi();
  for (let i = 0; i < count; i++) multi.xAdd(key, '*', { n: String(i) });
  return (await multi.exec()) as unknown as string[];
}

async function results(key: string): Promise<{ id: string; pid: string }[]> {
  return (await redis.lRange(key, 0, -1)).map((line) => {
    const [id = '', pid = ''] = line.split(' ');
    return { id, pid };
  });
}

/** Polls Redis state (acks leave no event to wait on); no fixed sleeps. */
async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pendingTotal = async (key: string): Promise<number> => (await redis.xPending(key, GROUP)).pending;

describe('stream trigger across host processes', () => {
  it('3 processes in one group divide 1,000 entries, each handled exactly once', async () => {
    const p = uniquePrefix('procs');
    const env = { StreamKey: `${p}s`, ResultsKey: `${p}results`, HandlerDelayMs: '2', BatchSize: '20' };
    const hosts = await Promise.all([startHost(env), startHost(env), startHost(env)]);
    const ids = await addEntries(env.StreamKey, 1000);
    await waitFor(async () => (await redis.lLen(env.ResultsKey)) >= 1000, '1,000 results');
    await waitFor(async () => (await pendingTotal(env.StreamKey)) === 0, 'all acked');
    const handled = await results(env.ResultsKey);
    expect(handled).toHaveLength(1000);
    expect(new Set(handled.map((h) => h.id))).toEqual(new Set(ids));
    const perProcess = new Map<string, number>();
    for (const h of handled) perProcess.set(h.pid, (perProcess.get(h.pid) ?? 0) + 1);
    expect([...perProcess.keys()].sort()).toEqual(hosts.map((h) => String(h.child.pid)).sort());

    for (const host of hosts) host.child.kill('SIGTERM');
    for (const host of hosts) expect((await host.exited).code).toBe(0);
    // Nothing pending: each consumer left the group on the way out.
    expect(await redis.xInfoConsumers(env.StreamKey, GROUP)).toEqual([]);
  });

  it('kill -9 mid-batch, then restart: every entry is acked, duplicates only from the batch in flight', async () => {
    const p = uniquePrefix('kill');
    const env = {
      StreamKey: `${p}s`,
      ResultsKey: `${p}results`,
      // Slow enough that the kill lands mid-batch even on a busy machine.
      HandlerDelayMs: '30',
      BatchSize: '20',
      ReclaimIdleMs: '300',
    };
    const first = await startHost(env);
    const ids = await addEntries(env.StreamKey, 1000);
    // 110, not 100: results come 10 at a time (concurrency 10) and a batch is 20, so 100 results is the end of
    // a batch, when nothing may be in flight for a moment; at 110 the second half of a batch is running.
    await waitFor(async () => (await redis.lLen(env.ResultsKey)) >= 110, '110 results');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const inFlight = await redis.xPendingRange(env.StreamKey, GROUP, '-', '+', 1000);
    if (inFlight.length === 0) {
      // (What the state was, should the kill have missed the batch in flight.)
      const state = {
        xlen: await redis.xLen(env.StreamKey),
        results: await redis.lLen(env.ResultsKey),
        groups: await redis.xInfoGroups(env.StreamKey).catch(String),
        log: first.lines.slice(-8),
      };
      throw new Error(`nothing pending after kill -9: ${JSON.stringify(state)}`);
    }
    // The batch being handled plus the one read ahead (a full batch reads the next while it runs).
    expect(inFlight.length).toBeLessThanOrEqual(2 * 20);

    const second = await startHost(env);
    await waitFor(
      async () => new Set((await results(env.ResultsKey)).map((r) => r.id)).size === 1000,
      'all ids',
    );
    await waitFor(async () => (await pendingTotal(env.StreamKey)) === 0, 'all acked');
    await second.waitForLine((l) => msg(l).startsWith('Claimed '));

    const handled = (await results(env.ResultsKey)).map((r) => r.id);
    expect(new Set(handled)).toEqual(new Set(ids));
    const seen = new Set<string>();
    const duplicates = handled.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
    const inFlightIds = new Set(inFlight.map((e) => e.id));
    for (const id of duplicates) expect(inFlightIds.has(id)).toBe(true);
  });
});
