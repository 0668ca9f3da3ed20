/**
 * `npm run bench -- pubsub [--messages N] [--pairs N] [--repeat N] [--no-pin]`: the Pub/Sub trigger next to
 * a plain node-redis subscriber that counts messages, in one run (see pinApart and rowsInChildren for
 * --no-pin and --repeat). The publisher is `redis-benchmark -c 1 -P 32 -n N PUBLISH bench:x hello` in a
 * process of its own, on the redis-server's CPU when pinned. A rate counts from the first message received
 * to the last. Each row's process, after a warm-up of 5,000 messages each, measures the plain subscriber
 * and redis-func alternately, `--pairs N` pairs (default 3) in ABBA order (plain first, then redis-func
 * first, ...), so that neither always goes first and a swing in the machine's speed falls on both sides of
 * a pair; it reports each side's median rate and CPU µs, and the median of its pairs' ratios, which the
 * table's ratio column shows (the median over the --repeat runs).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { resolveFunctions } from '../src/config/app-config';
import { parseHostJson } from '../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../src/config/local-settings';
import { Settings } from '../src/config/settings';
import { FunctionHost } from '../src/host/function-host';
import { HostMetrics } from '../src/metrics/host-metrics';
import { RedisConnections } from '../src/redis/connections';
import { startEmbeddedRedis } from '../src/redis/embedded-server';
import { RedisBroker } from '../src/redis/redis-broker';
import { definitionFromRegistration } from '../src/registration/from-core';
import {
  devNullLogger,
  median,
  pinApart,
  printTable,
  ratioCell,
  repeatArg,
  rowArg,
  rowsInChildren,
  type RowRates,
  option,
} from './util';

const CHANNEL = 'bench:x';

/** One run of a row: rates, and CPU microseconds per message on each side. */
interface RowCpu extends RowRates {
  readonly plainCpuUs: number;
  readonly hostCpuUs: number;
}

interface Variant {
  readonly label: string;
  /** true: PSUBSCRIBE bench:* ; false: SUBSCRIBE bench:x. */
  readonly pattern: boolean;
  readonly asyncHandler: boolean;
  readonly logLevel: 'Warning' | 'Information';
}

const VARIANTS: readonly Variant[] = [true, false].flatMap((pattern) => [
  { label: 'sync handler, logs off', pattern, asyncHandler: false, logLevel: 'Warning' as const },
  { label: 'async handler, logs off', pattern, asyncHandler: true, logLevel: 'Warning' as const },
  {
    label: 'sync handler, Executing/Executed logged',
    pattern,
    asyncHandler: false,
    logLevel: 'Information' as const,
  },
]);

/** What a subscriber measured: messages per second, and CPU microseconds per message, first to last. */
interface Measured {
  readonly rate: number;
  readonly cpuUs: number;
}

/** Counts messages; `until(n)` resolves with the rate and the process's CPU time from the first to the n-th. */
function rateCounter(): { readonly count: () => void; readonly until: (n: number) => Promise<Measured> } {
  let handled = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let waiter: { readonly n: number; readonly resolve: (measured: Measured) => void } | undefined;
  return {
    count: () => {
      if (++handled === 1) {
        first = performance.now();
        cpu = process.cpuUsage();
      }
      if (waiter && handled >= waiter.n) {
        const used = process.cpuUsage(cpu);
        waiter.resolve({
          rate: (handled - 1) / ((performance.now() - first) / 1000),
          cpuUs: (used.user + used.system) / (handled - 1),
        });
        waiter = undefined;
      }
    },
    until: (n) => new Promise((resolve) => (waiter = { n, resolve })),
  };
}

/** `redis-benchmark -c 1 -P 32 -n count PUBLISH bench:x hello`, on CPU 1 when the bench is pinned. */
async function publish(port: number, count: number, pinned: boolean): Promise<void> {
  const bench = ['redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-c', '1', '-P', '32', '-n'];
  const command = [...bench, String(count), '-q', 'PUBLISH', CHANNEL, 'hello'];
  const [file, ...args] = pinned ? ['taskset', '-c', '1', ...command] : command;
  await promisify(execFile)(file ?? 'redis-benchmark', args);
}

/** A plain node-redis subscriber that counts: its rate for `count` messages. */
async function plainRate(url: string, port: number, count: number, variant: Variant, pinned: boolean) {
  const client = createClient({ url });
  await client.connect();
  const counter = rateCounter();
  if (variant.pattern) await client.pSubscribe('bench:*', counter.count);
  else await client.subscribe(CHANNEL, counter.count);
  const done = counter.until(count);
  await publish(port, count, pinned);
  const rate = await withDeadline(done, 'the plain subscriber');
  client.destroy();
  return rate;
}

/** A FunctionHost (as `redis-func start --json` runs it) with one Pub/Sub function: its rate. */
async function hostRate(url: string, port: number, count: number, variant: Variant, pinned: boolean) {
  const hostConfig = parseHostJson({ version: '2.0', logging: { logLevel: { default: variant.logLevel } } });
  const settings = new Settings(EMPTY_LOCAL_SETTINGS, { Redis: url });
  const logger = devNullLogger();
  const counter = rateCounter();
  const channel = variant.pattern ? 'bench:*' : CHANNEL;
  const definition = definitionFromRegistration(
    {
      name: 'onMessage',
      options: {
        trigger: trigger.generic({
          type: 'redisPubSubTrigger',
          connection: 'Redis',
          channel,
          pattern: variant.pattern,
        }),
        handler: variant.asyncHandler
          ? async () => {
              counter.count();
              await Promise.resolve();
            }
          : () => counter.count(),
      },
    },
    'bench',
  );
  const metrics = new HostMetrics(); // as in redis-func start
  const host = new FunctionHost({
    host: hostConfig,
    functions: resolveFunctions([definition], settings, hostConfig),
    broker: new RedisBroker(new RedisConnections({ settings, logger, embeddedDefault: false })),
    logger,
    metrics,
  });
  await host.start();
  const done = counter.until(count);
  await publish(port, count, pinned);
  const rate = await withDeadline(done, 'redis-func');
  await host.close();
  return rate;
}

/** Fails the row instead of waiting forever when messages went missing. */
async function withDeadline(done: Promise<Measured>, who: string): Promise<Measured> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${who} did not receive every message within 60 s`)), 60_000);
  });
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One row in this process: a warm-up of 5,000 each, then `pairs` pairs of the plain subscriber and
 * redis-func one right after the other, plain first in the 1st, 3rd... pair and redis-func first in the
 * others (ABBA): each side's median rate and CPU µs, and the median of the pairs' ratios.
 */
async function measure(
  url: string,
  port: number,
  row: number,
  count: number,
  pinned: boolean,
  pairs: number,
) {
  const variant = VARIANTS[row];
  if (!variant) throw new Error(`no row ${row}`);
  const plainSide = (n: number) => plainRate(url, port, n, variant, pinned);
  const hostSide = (n: number) => hostRate(url, port, n, variant, pinned);
  await plainSide(5000);
  await hostSide(5000);
  const plain: Measured[] = [];
  const host: Measured[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    if (pair % 2 === 0) {
      plain.push(await plainSide(count));
      host.push(await hostSide(count));
    } else {
      host.push(await hostSide(count));
      plain.push(await plainSide(count));
    }
  }
  return {
    plain: median(plain.map((m) => m.rate)),
    host: median(host.map((m) => m.rate)),
    plainCpuUs: median(plain.map((m) => m.cpuUs)),
    hostCpuUs: median(host.map((m) => m.cpuUs)),
    pairRatio: median(host.map((m, i) => m.rate / (plain[i]?.rate ?? Number.NaN))),
  };
}

/** `--pairs N`: how many plain/redis-func pairs a row's process measures; default 3. */
function pairsArg(args: readonly string[]): number {
  const i = args.indexOf('--pairs');
  const value = i >= 0 ? Number(args[i + 1]) : 3;
  return Number.isInteger(value) && value > 0 ? value : 3;
}

export async function run(args: readonly string[]): Promise<void> {
  const messages = option(args, 'messages', 200_000);
  const pairs = pairsArg(args);
  const row = rowArg(args);
  if (row !== undefined) {
    const url = process.env['REDIS_URL'] ?? '';
    const pinned = process.env['BENCH_PINNED'] === '1';
    console.log(JSON.stringify(await measure(url, Number(new URL(url).port), row, messages, pinned, pairs)));
    return;
  }
  // A subscriber that falls behind must not be cut off by the server's output-buffer limit mid-row.
  const server = await startEmbeddedRedis({ args: ['--client-output-buffer-limit', 'pubsub 0 0 0'] });
  try {
    const placement = pinApart(server.pid, args);
    process.env['BENCH_PINNED'] = placement.startsWith('Node on CPU 0') ? '1' : '0';
    const repeat = repeatArg(args);
    console.log(
      `Pub/Sub: ${messages.toLocaleString('en-US')} messages from redis-benchmark -c 1 -P 32; no-op handler; ` +
        `${pairs} plain/redis-func pair(s) per run, ABBA; median (range) of ${repeat} run(s) per row; ${placement}`,
    );
    const rates = await rowsInChildren<RowCpu>(
      'pubsub',
      VARIANTS.length,
      ['--messages', String(messages), '--pairs', String(pairs)],
      server.url,
      repeat,
    );
    printTable(
      [
        'subscription',
        'redis-func',
        'plain subscriber /s',
        'redis-func /s',
        'ratio (range)',
        'CPU µs/message, plain',
        'redis-func',
      ],
      VARIANTS.map((variant, i) => {
        const rate = rates[i] ?? { plain: 0, host: 0, ratios: [], runs: [] };
        const kind = variant.pattern ? 'PSUBSCRIBE bench:*' : `SUBSCRIBE ${CHANNEL}`;
        const cpu = (pick: (r: RowCpu) => number): string => median(rate.runs.map(pick)).toFixed(2);
        return [
          kind,
          variant.label,
          rate.plain,
          rate.host,
          ratioCell(rate),
          cpu((r) => r.plainCpuUs),
          cpu((r) => r.hostCpuUs),
        ];
      }),
    );
    console.log(
      "ratio: redis-func / plain of each pair, the median of a run's pairs, then of the runs (the range: the " +
        "runs' medians). CPU µs/message: the subscriber process's CPU time from its first message to its " +
        'last, per message (medians): what each message costs, whatever the publisher and the server manage.',
    );
  } finally {
    await server.stop();
  }
}
