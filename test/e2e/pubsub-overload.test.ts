import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { runCli, type CliProcess } from '../support/cli';
import { uniquePrefix } from '../support/redis-server';

const fixture = path.join(__dirname, '..', 'fixtures', 'pubsub-overload-app');
const PUBLISHED = 1_000_000;
const SIDE = 100;
const MB = 1024 * 1024;

let server: EmbeddedRedis | undefined;
let cli: CliProcess | undefined;

afterEach(async () => {
  if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
  await server?.stop();
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

/** The resident set of a process, from /proc (Linux). */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

/** A metric's value for one function (summed over its other labels), from the admin API's /metrics text. */
function metric(text: string, name: string, fn: string, status?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(`function="${fn}"`)) continue;
    if (status !== undefined && !line.includes(`status="${status}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const itOnLinux = process.platform === 'linux' ? it : it.skip;

describe('Pub/Sub under overload (redis-func start as a child process)', () => {
  itOnLinux(
    'keeps a slow function to its backlog: RSS stays bounded, drops are counted and warned, others run',
    async () => {
      // The host reads as fast as Redis sends; without a server-side output-buffer limit nothing is lost
      // before the host, so every published message is either handled or counted as dropped.
      server = await startEmbeddedRedis({ args: ['--client-output-buffer-limit', 'pubsub 0 0 0'] });
      const p = uniquePrefix('overload');
      const flood = `${p}flood`;
      cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
        RedisConnectionString: server.url,
        FloodChannel: flood,
        SideChannel: `${p}side`,
      });
      const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
      await cli.waitForLine((l) => msg(l) === 'Host started');
      const base = `http://127.0.0.1:${Number(listening['port'])}`;
      const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
      expect(metric(await metrics(), 'redis_func_pubsub_dropped_total', 'onFlood')).toBe(0); // from the start

      const pid = cli.child.pid ?? 0;
      let maxRss = rssOf(pid);
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssOf(pid))), 20);
      const side = createClient({ url: server.url });
      await side.connect();
      try {
        const publishing = promisify(execFile)('redis-benchmark', [
          ...['-h', '127.0.0.1', '-p', String(server.port), '-c', '1', '-P', '32'],
          ...['-n', String(PUBLISHED), '-q', 'PUBLISH', flood, 'a message of the flood'],
        ]);
        for (let i = 0; i < SIDE; i++) expect(await side.publish(`${p}side`, String(i))).toBe(1);
        await publishing;

        // Everything published is accounted for once the backlog has drained: polled across processes.
        let text = await metrics();
        const accounted = (t: string): number =>
          metric(t, 'redis_func_invocations_total', 'onFlood') +
          metric(t, 'redis_func_pubsub_dropped_total', 'onFlood');
        const deadline = Date.now() + 150_000; // a hang guard: 10,000 waiting messages of 2 ms drain in ~25 s, slower on a busy machine
        while (accounted(text) < PUBLISHED && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          text = await metrics();
        }
        maxRss = Math.max(maxRss, rssOf(pid));
        const handled = metric(text, 'redis_func_invocations_total', 'onFlood', 'succeeded');
        const dropped = metric(text, 'redis_func_pubsub_dropped_total', 'onFlood');
        expect(dropped).toBeGreaterThan(0);
        expect(handled).toBeGreaterThan(0);
        expect(dropped).toBe(PUBLISHED - handled);
        expect(maxRss).toBeLessThan(200 * MB);
        // The quick function on another channel ran every message of its own, none dropped.
        expect(metric(text, 'redis_func_invocations_total', 'onSide', 'succeeded')).toBe(SIDE);
        expect(metric(text, 'redis_func_pubsub_dropped_total', 'onSide')).toBe(0);

        // Warnings name the function and the count, at most one per 5 s, and add up to the counter.
        const last = await cli.waitForLine(
          (l) => l['functionName'] === 'onFlood' && l['totalDropped'] === dropped,
        );
        const warnings = cli.lines.filter(
          (l) => l['functionName'] === 'onFlood' && l['level'] === 'warn' && 'totalDropped' in l,
        );
        expect(warnings[warnings.length - 1]).toBe(last);
        expect(msg(last)).toMatch(/^Function 'onFlood' dropped \d+ Pub\/Sub message\(s\)/);
        expect(warnings.reduce((sum, l) => sum + Number(l['dropped']), 0)).toBe(dropped);
        const times = warnings.map((l) => Number(l['time']));
        for (let i = 1; i < times.length; i++)
          expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(4900);
      } finally {
        clearInterval(sampler);
        side.destroy();
      }
      cli.child.kill('SIGINT');
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    },
    200_000,
  );
});
