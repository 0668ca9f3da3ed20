/**
 * `npm run bench -- streams [--entries N] [--latency N] [--repeat N] [--no-pin]`: the stream trigger next
 * to a plain node-redis XREADGROUP + XACK loop doing the same work (same batch, a no-op handler), in one run
 * (see pinApart and rowsInChildren for --no-pin and --repeat).
 * Throughput drains a pre-filled stream; latency adds one entry at a time (XADD -> handler) in blocking mode.
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

const GROUP = 'bench';

interface Message {
  readonly id: string;
  readonly message: Record<string, string>;
}

/** The entries of the first stream of an XREADGROUP reply (node-redis: `[{ name, messages }]` or null). */
function messagesOf(reply: unknown): Message[] {
  return (reply as { messages: Message[] }[] | null)?.[0]?.messages ?? [];
}

async function fill(client: Client, key: string, count: number): Promise<void> {
  await client.del(key);
  await client.xGroupCreate(key, GROUP, '0', { MKSTREAM: true });
  for (let done = 0; done < count; done += 1000) {
    const multi = client.multi();
    for (let i = done; i < Math.min(count, done + 1000); i++) multi.xAdd(key, '*', { n: String(i) });
    await multi.exec();
  }
}

/** The plain loop: XREADGROUP COUNT batch, a no-op per entry, one XACK per batch. Entries per second. */
async function plainThroughput(client: Client, key: string, batch: number, total: number): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (done < total) {
    const messages = messagesOf(await client.xReadGroup(GROUP, 'plain', { key, id: '>' }, { COUNT: batch }));
    if (messages.length === 0) continue;
    await client.xAck(
      key,
      GROUP,
      messages.map((m) => m.id),
    );
    done += messages.length;
  }
  return total / ((performance.now() - started) / 1000);
}

interface HostRun {
  readonly host: FunctionHost;
  /** Resolves when `count` invocations have finished. */
  until(count: number): Promise<void>;
}

/** A FunctionHost with one stream function; logs at `logLevel` to /dev/null (as a host's logs cost). */
function streamHost(
  url: string,
  key: string,
  options: Record<string, unknown>,
  logLevel: string,
  onEntry: (input: unknown) => void = () => undefined,
): HostRun {
  const hostConfig = parseHostJson({ version: '2.0', logging: { logLevel: { default: logLevel } } });
  const settings = new Settings(EMPTY_LOCAL_SETTINGS, { Redis: url });
  const logger = devNullLogger();
  const handled = handledCounter();
  const definition = definitionFromRegistration(
    {
      name: 'onEntry',
      options: {
        trigger: trigger.generic({ type: 'redisStreamTrigger', connection: 'Redis', key, ...options }),
        handler: (input: unknown) => {
          onEntry(input);
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
  readonly cardinality: 'one' | 'many';
  readonly logLevel: string;
}

const VARIANTS: readonly Variant[] = [
  { label: 'an invocation per entry, logs off', cardinality: 'one', logLevel: 'Warning' },
  {
    label: 'an invocation per entry, Executing/Executed logged',
    cardinality: 'one',
    logLevel: 'Information',
  },
  {
    label: "cardinality 'many' (a batch per invocation), logged",
    cardinality: 'many',
    logLevel: 'Information',
  },
];

/** Entries per second through a host: start, drain `total` entries (counted in the handler's input). */
async function hostThroughput(url: string, key: string, batch: number, total: number, variant: Variant) {
  const options = {
    consumerGroup: GROUP,
    batchSize: batch,
    pollingIntervalInMs: 100,
    cardinality: variant.cardinality,
  };
  const run = streamHost(url, key, options, variant.logLevel);
  await run.host.start(); // connects, creates the group, and issues the first read
  const started = performance.now();
  await run.until(total);
  const rate = total / ((performance.now() - started) / 1000);
  await run.host.close();
  return rate;
}

/** One entry at a time: XADD with the send time, wait for the handler, record the delay in ms. */
async function hostLatency(url: string, client: Client, key: string, count: number): Promise<number[]> {
  await client.del(key);
  const latencies: number[] = [];
  let received: (() => void) | undefined;
  const run = streamHost(url, key, { consumerGroup: GROUP, mode: 'blocking' }, 'Warning', (input) => {
    const sent = Number((JSON.parse((input as { Message: string }).Message) as { t: string }).t);
    latencies.push(performance.now() - sent);
    received?.();
  });
  await run.host.start();
  for (let i = 0; i < count; i++) {
    const handled = new Promise<void>((resolve) => (received = resolve));
    await client.xAdd(key, '*', { t: String(performance.now()) });
    await handled;
  }
  await run.host.close();
  return latencies.sort((a, b) => a - b);
}

/** The plain loop in blocking mode: XREADGROUP BLOCK on its own connection, XACK after each read. */
async function plainLatency(url: string, client: Client, key: string, count: number): Promise<number[]> {
  await client.del(key);
  await client.xGroupCreate(key, GROUP, '0', { MKSTREAM: true });
  const reader = newClient(url);
  await reader.connect();
  const latencies: number[] = [];
  const reading = (async () => {
    while (latencies.length < count) {
      const reply = await reader.xReadGroup(GROUP, 'plain', { key, id: '>' }, { COUNT: 10, BLOCK: 5000 });
      const messages = messagesOf(reply);
      for (const m of messages) latencies.push(performance.now() - Number(m.message['t']));
      if (messages.length > 0)
        await reader.xAck(
          key,
          GROUP,
          messages.map((m) => m.id),
        );
    }
  })();
  for (let i = 0; i < count; i++) {
    const before = latencies.length;
    await client.xAdd(key, '*', { t: String(performance.now()) });
    while (latencies.length === before) await new Promise((resolve) => setImmediate(resolve));
  }
  await reading;
  reader.destroy();
  return latencies.sort((a, b) => a - b);
}

/** Runs each contender once on a small stream, so the measured runs are not the JIT's first. */
const ROWS = rowsOf(VARIANTS);

/** One row, in this process (see measureRow). */
function driver(url: string, client: Client, key: string, row: number) {
  return rowDriver(ROWS, row, {
    fill: (count) => fill(client, key, count),
    plain: (batch, count) => plainThroughput(client, key, batch, count),
    host: (batch, count, variant) => hostThroughput(url, key, batch, count, variant),
  });
}

export async function run(args: readonly string[]): Promise<void> {
  const entries = option(args, 'entries', 200_000);
  const latencyCount = option(args, 'latency', 2000);
  const row = rowArg(args);
  const server = process.env['REDIS_URL'] ? undefined : await startEmbeddedRedis();
  const url = process.env['REDIS_URL'] ?? server?.url ?? '';
  const client = newClient(url);
  await client.connect();
  const key = `bench:streams:${process.pid}`;
  try {
    if (row !== undefined) {
      console.log(JSON.stringify(await measureRow(driver(url, client, key, row), entries)));
      return;
    }
    const repeat = repeatArg(args);
    const placement = pinApart(server?.pid, args);
    console.log(
      `Throughput: draining ${entries.toLocaleString('en-US')} entries; no-op handler; median of ` +
        `${repeat} run(s) per row; ${placement}`,
    );
    const rates = await rowsInChildren('streams', ROWS.length, ['--entries', String(entries)], url, repeat);
    const rows: Row[] = ROWS.map(({ batch, variant }, i) => {
      const { plain, host } = rates[i] ?? { plain: 0, host: 0 };
      return [String(batch), variant.label, plain, host, `${Math.round((host / plain) * 100)}%`];
    });
    printTable(['batch', 'redis-func', 'plain loop /s', 'redis-func /s', 'ratio'], rows);

    console.log(`\nLatency, blocking mode: ${latencyCount} entries one at a time (XADD -> handler), ms`);
    const plain = await plainLatency(url, client, key, latencyCount);
    const host = await hostLatency(url, client, key, latencyCount);
    printTable(
      ['reader', 'p50 ms', 'p99 ms', 'max ms'],
      [
        [
          'plain XREADGROUP BLOCK loop',
          percentile(plain, 50),
          percentile(plain, 99),
          plain[plain.length - 1] ?? 0,
        ],
        [
          'redis-func (mode: blocking)',
          percentile(host, 50),
          percentile(host, 99),
          host[host.length - 1] ?? 0,
        ],
      ],
    );
  } finally {
    await client.del(key);
    client.destroy();
    await server?.stop();
  }
}
