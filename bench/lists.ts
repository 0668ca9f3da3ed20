/**
 * `npm run bench -- lists [--elements N] [--latency N] [--rate N] [--repeat N] [--no-pin]`: the list
 * trigger next to a plain node-redis loop doing the same pops (LMPOP ... COUNT batch, a no-op per element),
 * in one run (see pinApart and rowsInChildren for --no-pin and --repeat).
 * Throughput drains a pre-filled list; latency pushes elements at a steady rate (default 1,000/s) and
 * measures push -> handler in blocking mode, next to a plain BLMPOP loop.
 */
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
  handledCounter,
  measureRow,
  percentile,
  pinApart,
  printTable,
  repeatArg,
  rowArg,
  rowDriver,
  rowsInChildren,
  rowsOf,
  option,
} from './util';

const newClient = (url: string) => createClient({ url });
type Client = ReturnType<typeof newClient>;
type Row = (string | number)[];

async function fill(client: Client, key: string, count: number): Promise<void> {
  await client.del(key);
  for (let done = 0; done < count; done += 1000) {
    const chunk = Array.from({ length: Math.min(1000, count - done) }, (_, i) => String(done + i));
    await client.rPush(key, chunk);
  }
}

/** LMPOP / BLMPOP reply: null or `[key, elements]`. */
function elementsOf(reply: unknown): string[] {
  return Array.isArray(reply) ? ((reply[1] as string[] | undefined) ?? []) : [];
}

/** The plain loop: LMPOP 1 key LEFT COUNT batch, a no-op per element. Elements per second. */
async function plainThroughput(client: Client, key: string, batch: number, total: number): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (done < total) {
    const elements = elementsOf(
      await client.sendCommand(['LMPOP', '1', key, 'LEFT', 'COUNT', String(batch)]),
    );
    for (const element of elements) void element;
    done += elements.length;
  }
  return total / ((performance.now() - started) / 1000);
}

interface HostRun {
  readonly host: FunctionHost;
  until(count: number): Promise<void>;
}

/** A FunctionHost with one list function; logs at `logLevel` to /dev/null (as a host's logs cost). */
function listHost(
  url: string,
  key: string,
  options: Record<string, unknown>,
  logLevel: string,
  onElement: (input: unknown) => void = () => undefined,
  asyncHandler = false,
): HostRun {
  const hostConfig = parseHostJson({ version: '2.0', logging: { logLevel: { default: logLevel } } });
  const settings = new Settings(EMPTY_LOCAL_SETTINGS, { Redis: url });
  const logger = devNullLogger();
  const handled = handledCounter();
  const definition = definitionFromRegistration(
    {
      name: 'onElement',
      options: {
        trigger: trigger.generic({ type: 'redisListTrigger', connection: 'Redis', key, ...options }),
        handler: asyncHandler
          ? async (input: unknown) => {
              onElement(input);
              handled.count(input);
              await Promise.resolve();
            }
          : (input: unknown) => {
              onElement(input);
              handled.count(input);
            },
      },
    },
    'bench',
  );
  const host = new FunctionHost({
    host: hostConfig,
    functions: resolveFunctions([definition], settings, hostConfig),
    broker: new RedisBroker(new RedisConnections({ settings, logger, embeddedDefault: false })),
    logger,
    metrics: new HostMetrics(), // as in redis-func start
  });
  return { host, until: handled.until };
}

interface Variant {
  readonly label: string;
  readonly options: Record<string, unknown>;
  readonly logLevel: string;
  /** An `async` handler (a promise per invocation), as most apps write them. */
  readonly asyncHandler?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { label: 'an invocation per element, logs off', options: {}, logLevel: 'Warning' },
  {
    label: 'an invocation per element, async handler, logs off',
    options: {},
    logLevel: 'Warning',
    asyncHandler: true,
  },
  { label: 'an invocation per element, Executing/Executed logged', options: {}, logLevel: 'Information' },
  {
    label: "cardinality 'many' (a batch per invocation), logged",
    options: { cardinality: 'many' },
    logLevel: 'Information',
  },
  { label: 'reliable: true (LMOVE + LREM), logs off', options: { reliable: true }, logLevel: 'Warning' },
];

async function hostThroughput(url: string, key: string, batch: number, total: number, variant: Variant) {
  const options = { batchSize: batch, pollingIntervalInMs: 100, ...variant.options };
  const run = listHost(url, key, options, variant.logLevel, undefined, variant.asyncHandler);
  await run.host.start(); // connects and issues the first pop
  const started = performance.now();
  await run.until(total);
  const rate = total / ((performance.now() - started) / 1000);
  await run.host.close();
  return rate;
}

/** Pushes `count` elements carrying their send time, about `rate` per second (a timer tick per element). */
async function pushPaced(client: Client, key: string, count: number, rate: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    void client.rPush(key, String(performance.now()));
  }
  return count / ((performance.now() - started) / 1000);
}

async function hostLatency(url: string, client: Client, key: string, count: number, rate: number) {
  await client.del(key);
  const latencies: number[] = [];
  const record = (input: unknown): void => {
    latencies.push(performance.now() - Number((input as { Message: string }).Message));
  };
  const run = listHost(url, key, { mode: 'blocking', batchSize: 100 }, 'Warning', record);
  await run.host.start();
  const achieved = await pushPaced(client, key, count, rate);
  await run.until(count);
  await run.host.close();
  return { latencies: latencies.sort((a, b) => a - b), achieved };
}

async function plainLatency(url: string, client: Client, key: string, count: number, rate: number) {
  await client.del(key);
  const reader = newClient(url);
  await reader.connect();
  const latencies: number[] = [];
  const reading = (async () => {
    while (latencies.length < count) {
      const reply = await reader.sendCommand(['BLMPOP', '5', '1', key, 'LEFT', 'COUNT', '100']);
      for (const element of elementsOf(reply)) latencies.push(performance.now() - Number(element));
    }
  })();
  const achieved = await pushPaced(client, key, count, rate);
  await reading;
  reader.destroy();
  return { latencies: latencies.sort((a, b) => a - b), achieved };
}

const ROWS = rowsOf(VARIANTS);

/** One row, in this process (see measureRow). */
function driver(url: string, client: Client, key: string, row: number) {
  return rowDriver(ROWS, row, {
    fill: (count) => fill(client, key, count),
    plain: (batch, count) => plainThroughput(client, key, batch, count),
    host: (batch, count, variant) => hostThroughput(url, key, batch, count, variant),
  });
}

async function throughputTable(url: string, elements: number, repeat: number, placement: string) {
  console.log(
    `Throughput: draining ${elements.toLocaleString('en-US')} elements; no-op handler; median of ` +
      `${repeat} run(s) per row; ${placement}`,
  );
  const rates = await rowsInChildren('lists', ROWS.length, ['--elements', String(elements)], url, repeat);
  const rows: Row[] = ROWS.map(({ batch, variant }, i) => {
    const { plain, host } = rates[i] ?? { plain: 0, host: 0 };
    return [String(batch), variant.label, plain, host, `${Math.round((host / plain) * 100)}%`];
  });
  printTable(['batch', 'redis-func', 'plain LMPOP loop /s', 'redis-func /s', 'ratio'], rows);
}

async function latencyTable(url: string, client: Client, key: string, count: number, rate: number) {
  console.log(`\nLatency, blocking mode: ${count} elements pushed at ~${rate}/s (RPUSH -> handler), ms`);
  const plain = await plainLatency(url, client, key, count, rate);
  const host = await hostLatency(url, client, key, count, rate);
  const row = (label: string, r: { latencies: number[]; achieved: number }): Row => [
    label,
    r.achieved,
    percentile(r.latencies, 50),
    percentile(r.latencies, 99),
    r.latencies[r.latencies.length - 1] ?? 0,
  ];
  printTable(
    ['reader', 'pushed /s', 'p50 ms', 'p99 ms', 'max ms'],
    [row('plain BLMPOP loop', plain), row('redis-func (mode: blocking)', host)],
  );
}

export async function run(args: readonly string[]): Promise<void> {
  const elements = option(args, 'elements', 200_000);
  const latencyCount = option(args, 'latency', 3000);
  const rate = option(args, 'rate', 1000);
  const row = rowArg(args);
  const server = process.env['REDIS_URL'] ? undefined : await startEmbeddedRedis();
  const url = process.env['REDIS_URL'] ?? server?.url ?? '';
  const client = newClient(url);
  await client.connect();
  const key = `bench:lists:${process.pid}`;
  try {
    if (row !== undefined) {
      console.log(JSON.stringify(await measureRow(driver(url, client, key, row), elements)));
      return;
    }
    await throughputTable(url, elements, repeatArg(args), pinApart(server?.pid, args));
    await latencyTable(url, client, key, latencyCount, rate);
  } finally {
    await client.del(key);
    client.destroy();
    await server?.stop();
  }
}
