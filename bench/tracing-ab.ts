/**
 * `npm run bench -- tracing --against DIR [--build DIR] [--rounds N] [--only TEXT] [--no-redis] [--no-pin]`:
 * this build (or `--build`'s) next to another one (DIR: a checkout built with `npm run build`, or its
 * dist/), on the logs-off paths, no OpenTelemetry SDK registered: what the tracing code costs when nobody
 * traces (DIR: a build from before it, e.g. `git worktree add ../pre-otel f0251cd^`). The two builds
 * alternate, row by row, `--rounds` times (default 5; the order flips every round), each measurement in a
 * fresh Node process:
 *
 * - without Redis, the same driver (bench/path-driver.ts) through each build's modules: the Pub/Sub path
 *   (a FunctionHost as `redis-func start` wires it, SUBSCRIBE, sync handler) and the in-memory test host
 *   (lpush batch 100; publish in bursts of 1,000), in CPU ns per message;
 * - with Redis (one redis-server for both), each build's own bench rows: lists and streams at batch 100
 *   with an invocation per message, and Pub/Sub (PSUBSCRIBE and SUBSCRIBE) with a sync handler, logs
 *   off; redis-func's rate as a share of the plain loop measured right before it in the same process, the
 *   row process's CPU seconds, and for Pub/Sub the subscriber's CPU µs per message.
 *
 * Each row reports both builds' medians and the median of the rounds' paired ratios (this / other).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedRedis } from '../src/redis/embedded-server';
import { pathDriver, type PathMeasure, type PathVariant } from './path-driver';
import { rootArg } from './pubsub-path';
import { median, option, pinApart, printTable } from './util';

const PATHS: readonly PathVariant[] = [
  { label: 'Pub/Sub path, SUBSCRIBE, sync handler (no Redis)', kind: 'pubsub', pattern: false },
  { label: 'test host, lpush batch 100 (no Redis)', kind: 'test-host-lpush' },
  { label: 'test host, publish bursts of 1,000 (no Redis)', kind: 'test-host-publish' },
];

/** A Redis row: a bench of each build, its row number and its size argument. */
interface RedisRow {
  readonly label: string;
  readonly bench: string;
  readonly row: number;
  readonly size: readonly string[];
}

const REDIS_ROWS: readonly RedisRow[] = [
  {
    label: 'lists, batch 100, an invocation per element',
    bench: 'lists',
    row: 5,
    size: ['--elements', '200000'],
  },
  {
    label: 'streams, batch 100, an invocation per entry',
    bench: 'streams',
    row: 3,
    size: ['--entries', '200000'],
  },
  { label: 'Pub/Sub, PSUBSCRIBE, sync handler', bench: 'pubsub', row: 0, size: ['--messages', '200000'] },
  { label: 'Pub/Sub, SUBSCRIBE, sync handler', bench: 'pubsub', row: 3, size: ['--messages', '200000'] },
];

/** One build's figure of a row in one round: the compared number, and CPU when there is one. */
interface Figure {
  readonly value: number;
  /** redis-func's CPU µs per message, when the bench reports it (pubsub). */
  readonly cpu?: number;
  /** The whole row process's CPU seconds (fill, plain loop and redis-func: only redis-func differs). */
  readonly processCpu?: number;
}

/** The dist/ directory of DIR (a checkout) or DIR itself. */
function distOf(dir: string): string {
  const resolved = path.resolve(dir);
  return existsSync(path.join(resolved, 'dist', 'bench', 'run.js')) ? path.join(resolved, 'dist') : resolved;
}

/** `node args` in a child process: its last line of output and its CPU seconds (/usr/bin/time), if known. */
async function node(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ readonly last: string; readonly cpuSeconds?: number }> {
  const timed = existsSync('/usr/bin/time');
  const [file, ...rest] = timed
    ? ['/usr/bin/time', '-f', 'cpu %U %S', process.execPath, ...args]
    : [process.execPath, ...args];
  const { stdout, stderr } = await promisify(execFile)(file ?? '', rest, { env, maxBuffer: 1 << 20 });
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return {
    last: stdout.trim().split('\n').pop() ?? '',
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
  };
}

/** A Redis-free path of `root`'s build, driven by this build's driver: CPU ns per message. */
async function pathFigure(root: string, index: number, messages: number): Promise<Figure> {
  const args = ['tracing', '--child-path', String(index), '--root', root, '--messages', String(messages)];
  const measured = JSON.parse((await node([process.argv[1] ?? '', ...args])).last) as PathMeasure;
  return { value: measured.cpuNs };
}

/** A Redis row of `root`'s own bench: redis-func's rate / the plain loop's (and CPU µs when it says). */
async function redisFigure(root: string, row: RedisRow, url: string): Promise<Figure> {
  const env = { ...process.env, REDIS_URL: url };
  const args = [path.join(root, 'bench', 'run.js'), row.bench, ...row.size, '--row', String(row.row)];
  const child = await node(args, env);
  const rates = JSON.parse(child.last) as { plain: number; host: number; hostCpuUs?: number };
  return { value: rates.host / rates.plain, cpu: rates.hostCpuUs, processCpu: child.cpuSeconds };
}

/** Both builds, `rounds` times, alternating which goes first. */
async function rounds(n: number, measure: (root: string) => Promise<Figure>, roots: readonly string[]) {
  const figures: [Figure[], Figure[]] = [[], []];
  for (let round = 0; round < n; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) figures[which as 0 | 1].push(await measure(roots[which] ?? ''));
  }
  return figures;
}

/** A table row: medians of both builds and the median paired ratio, lower-is-better or not. */
function tableRow(
  label: string,
  unit: string,
  [mine, other]: [Figure[], Figure[]],
  pick: (f: Figure) => number,
) {
  const ratios = mine.map((f, i) => pick(f) / pick(other[i] ?? f)).sort((a, b) => a - b);
  const pct = (r: number): string => `${Math.round(r * 100)}%`;
  const spread = `${pct(median(ratios))} (${pct(ratios[0] ?? 0).slice(0, -1)}-${pct(ratios[ratios.length - 1] ?? 0)})`;
  const digits = unit === 'ratio' ? 3 : unit.startsWith('CPU ns') ? 1 : 2;
  const fmt = (values: Figure[]): string => median(values.map(pick)).toFixed(digits);
  return [label, unit, fmt(other), fmt(mine), spread];
}

export async function runAgainst(args: readonly string[]): Promise<void> {
  const other = distOf(args[args.indexOf('--against') + 1] ?? '');
  const b = args.indexOf('--build');
  const mine = b >= 0 ? distOf(args[b + 1] ?? '') : path.join(__dirname, '..');
  const n = option(args, 'rounds', 5);
  const messages = option(args, 'messages', 1_000_000);
  const rows: (string | number)[][] = [];
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : '';
  for (const [index, variant] of PATHS.entries()) {
    if (!variant.label.includes(only)) continue;
    const figures = await rounds(n, (root) => pathFigure(root, index, messages), [mine, other]);
    rows.push(tableRow(variant.label, 'CPU ns/message', figures, (f) => f.value));
  }
  let placement = 'no Redis rows';
  if (!args.includes('--no-redis')) {
    const server = await startEmbeddedRedis({ args: ['--client-output-buffer-limit', 'pubsub 0 0 0'] });
    try {
      placement = pinApart(server.pid, args);
      process.env['BENCH_PINNED'] = placement.startsWith('Node on CPU 0') ? '1' : '0';
      for (const row of REDIS_ROWS.filter((r) => r.label.includes(only))) {
        const figures = await rounds(n, (root) => redisFigure(root, row, server.url), [mine, other]);
        rows.push(tableRow(row.label, 'ratio', figures, (f) => f.value));
        if (row.bench === 'pubsub')
          rows.push(tableRow(row.label, 'CPU µs/message', figures, (f) => f.cpu ?? 0));
        if (figures[0][0]?.processCpu !== undefined)
          rows.push(tableRow(row.label, 'row process CPU s', figures, (f) => f.processCpu ?? 0));
      }
    } finally {
      await server.stop();
    }
  }
  console.log(
    `\nNo OpenTelemetry SDK: ${mine} ("this") next to ${other} ("other"); ${n} alternating rounds per row; ` +
      `${placement} (node ${process.version})\n`,
  );
  printTable(['row', 'measure', 'other', 'this', 'this / other, median (range)'], rows);
  console.log(
    '\nCPU rows: lower is better; ratio rows (redis-func / plain loop of the same run): higher is better.',
  );
}

/** `--child-path i`: measures PATHS[i] of the build in `--root`, in this process. */
export async function childPath(args: readonly string[]): Promise<void> {
  const variant = PATHS[Number(args[args.indexOf('--child-path') + 1])];
  if (!variant) throw new Error('no such path');
  const measured = await pathDriver(rootArg(args)).measure(
    variant,
    'time',
    option(args, 'messages', 1_000_000),
  );
  console.log(JSON.stringify(measured));
}
