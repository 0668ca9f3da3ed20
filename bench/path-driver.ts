/**
 * Redis-free paths through a build's own modules (its dist/src), measured in this process: CPU and wall
 * time, or bytes allocated, per message. The driver is this file whichever build it drives, so two builds
 * (this one and `--root` another) are measured by the same code. See bench/pubsub-path.ts.
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { trigger } from '@azure/functions';
import type { PubSubListener, Subscriber } from '../src/redis/connections';

export interface PathVariant {
  readonly label: string;
  /**
   * floor: a counting listener in string mode (node-redis makes the text; `pattern` as for pubsub); pubsub: a FunctionHost's Pub/Sub function behind the listener; test-host-
   * lpush / test-host-publish: the in-memory test host (lpush batch 100; publish in bursts of 1,000).
   */
  readonly kind: 'floor' | 'pubsub' | 'test-host-lpush' | 'test-host-publish';
  /** PSUBSCRIBE bench:* rather than SUBSCRIBE bench:x. */
  readonly pattern?: boolean;
  readonly asyncHandler?: boolean;
  /** Information level: the Executing/Executed lines are logged. */
  readonly logged?: boolean;
}

/** Per message: wall and CPU nanoseconds (time), or bytes allocated (bytes; undefined if a GC ran). */
export interface PathMeasure {
  readonly wallNs: number;
  readonly cpuNs: number;
  readonly bytes?: number;
}

const CHANNEL = 'bench:x';
const MESSAGE = 'hello';
/** Messages per synchronous run (node-redis hands over a socket read's messages in one): `--chunk`. */
let CHUNK = 1000;
const WARM_UP = 200_000;
/** Messages counted for allocation: well within the 256 MB young generation of the allocation child. */
const COUNTED = 100_000;

interface Subject {
  /** Delivers `count` more messages and resolves once the handler has seen them all. */
  drive(count: number): Promise<void>;
  close(): Promise<void>;
}

/** The handler's side: counts, and resolves `until(n)` once n messages were handled. */
function counter() {
  let handled = 0;
  let waiter: { readonly n: number; readonly resolve: () => void } | undefined;
  return {
    count: (): void => {
      if (++handled === waiter?.n) {
        waiter.resolve();
        waiter = undefined;
      }
    },
    until: (n: number): Promise<void> =>
      n <= handled ? Promise.resolve() : new Promise((resolve) => (waiter = { n, resolve })),
  };
}

/**
 * A socket read's bytes: node-redis's decoder hands each message and its channel over as views into the
 * read (a new Buffer each), and a listener in buffer mode gets those.
 */
const READ = Buffer.from(CHANNEL + MESSAGE);

/** How the listener gets a message: the decoded views (buffer mode), or strings made of them (string mode). */
type Deliver = (message: Buffer, channel: Buffer) => void;

/** Messages as node-redis hands them to a subscriber's listener: a decoded message at a time. */
function listenerSubject(deliver: () => Deliver, until: (n: number) => Promise<void>) {
  let sent = 0;
  const channelEnd = CHANNEL.length;
  return async (count: number): Promise<void> => {
    const call = deliver();
    for (const end = sent + count; sent < end;) {
      const chunk = Math.min(CHUNK, end - sent);
      for (let i = 0; i < chunk; i++) call(READ.subarray(channelEnd), READ.subarray(0, channelEnd));
      sent += chunk;
      await until(sent);
    }
  };
}

/** Stands in for the node-redis client: keeps the listener the port subscribes. */
class CapturingSubscriber implements Subscriber {
  listener: PubSubListener | undefined;
  readonly isReady = false; // nothing to unsubscribe at close
  subscribe(_channel: string, listener: PubSubListener): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }
  pSubscribe(channel: string, listener: PubSubListener): Promise<void> {
    return this.subscribe(channel, listener);
  }
  sSubscribe(channel: string, listener: PubSubListener): Promise<void> {
    return this.subscribe(channel, listener);
  }
  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }
  pUnsubscribe(): Promise<void> {
    return Promise.resolve();
  }
  sUnsubscribe(): Promise<void> {
    return Promise.resolve();
  }
}

/** The modules of a build (its dist/ directory) that the paths use. */
async function modules(root: string) {
  const load = (file: string): Promise<unknown> => import(path.join(root, 'src', file));
  return {
    appConfig: (await load('config/app-config.js')) as typeof import('../src/config/app-config'),
    hostJson: (await load('config/host-json.js')) as typeof import('../src/config/host-json'),
    localSettings: (await load('config/local-settings.js')) as typeof import('../src/config/local-settings'),
    settings: (await load('config/settings.js')) as typeof import('../src/config/settings'),
    functionHost: (await load('host/function-host.js')) as typeof import('../src/host/function-host'),
    metrics: (await load('metrics/host-metrics.js')) as typeof import('../src/metrics/host-metrics'),
    broker: (await load('redis/redis-broker.js')) as typeof import('../src/redis/redis-broker'),
    fromCore: (await load('registration/from-core.js')) as typeof import('../src/registration/from-core'),
    logging: (await load('logging.js')) as typeof import('../src/logging'),
    testing: (await load('testing/index.js')) as typeof import('../src/testing'),
  };
}

type Modules = Awaited<ReturnType<typeof modules>>;

/** A FunctionHost as `redis-func start --json` runs it, one Pub/Sub function, on a stand-in subscriber. */
async function pubsubSubject(m: Modules, variant: PathVariant): Promise<Subject> {
  const level = variant.logged ? 'Information' : 'Warning';
  const hostConfig = m.hostJson.parseHostJson({ version: '2.0', logging: { logLevel: { default: level } } });
  const settings = new m.settings.Settings(m.localSettings.EMPTY_LOCAL_SETTINGS, { Redis: 'redis://x:1' });
  const logger = m.logging.createLogger({ json: true, destination: m.logging.jsonDestination('/dev/null') });
  const handled = counter();
  const options = {
    trigger: trigger.generic({
      type: 'redisPubSubTrigger',
      connection: 'Redis',
      channel: variant.pattern ? 'bench:*' : CHANNEL,
      pattern: variant.pattern === true,
    }),
    handler: variant.asyncHandler ? () => Promise.resolve(handled.count()) : () => handled.count(),
  };
  const definition = m.fromCore.definitionFromRegistration({ name: 'onMessage', options }, 'bench');
  const subscriber = new CapturingSubscriber();
  const connections = {
    subscriberClient: () => Promise.resolve(subscriber),
    close: () => Promise.resolve(),
  };
  const host = new m.functionHost.FunctionHost({
    host: hostConfig,
    functions: m.appConfig.resolveFunctions([definition], settings, hostConfig),
    broker: new m.broker.RedisBroker(connections as never),
    logger,
    metrics: new m.metrics.HostMetrics(),
  });
  await host.start();
  const deliver = (): Deliver => subscriber.listener ?? (() => undefined);
  return { drive: listenerSubject(deliver, handled.until), close: () => host.close() };
}

/** The in-memory test host: lpush of `count` values (batch 100), or publish in bursts of 1,000. */
async function testHostSubject(m: Modules, variant: PathVariant): Promise<Subject> {
  const handled = counter();
  const lists = variant.kind === 'test-host-lpush';
  const generic = lists
    ? { type: 'redisListTrigger', connection: 'R', key: 'bench', batchSize: 100 }
    : { type: 'redisPubSubTrigger', connection: 'R', channel: 'bench' };
  const host = await m.testing.createTestHost({
    functions: [
      { name: 'onMessage', options: { trigger: trigger.generic(generic), handler: handled.count } },
    ],
  });
  const values = Array.from({ length: CHUNK }, (_v, i) => String(i));
  const drive = async (count: number): Promise<void> => {
    for (let sent = 0; sent < count; sent += CHUNK) {
      if (lists) await host.lpush('bench', ...values);
      else {
        for (const value of values) host.broker.publish('bench', value);
        await host.idle();
      }
      host.invocations.length = 0; // records are the test host's; kept, they only feed the collector
    }
  };
  return { drive, close: () => host.close() };
}

async function subject(m: Modules, variant: PathVariant): Promise<Subject> {
  if (variant.kind === 'pubsub') return pubsubSubject(m, variant);
  if (variant.kind !== 'floor') return testHostSubject(m, variant);
  const handled = counter();
  const listener = (_message: string, _channel: string): void => handled.count();
  // What node-redis does for a listener in string mode: the message made text, and on a pattern
  // subscription its channel too (the channel it looks listeners up by is made text in either mode).
  const deliver: Deliver = variant.pattern
    ? (message, channel) => listener(message.toString(), channel.toString())
    : (message) => listener(message.toString(), CHANNEL);
  return { drive: listenerSubject(() => deliver, handled.until), close: () => Promise.resolve() };
}

/** Time per message over `count` messages, after a warm-up. */
async function timeIt(s: Subject, count: number): Promise<PathMeasure> {
  await s.drive(Math.min(WARM_UP, count));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await s.drive(count);
  const wallNs = ((performance.now() - started) * 1e6) / count;
  const used = process.cpuUsage(cpu);
  return { wallNs, cpuNs: ((used.user + used.system) * 1000) / count };
}

/** Bytes in the young generation (where short-lived objects are made), compiled code and feedback apart. */
function youngBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? NaN;
}

/** Bytes allocated per message over `count` messages (at most COUNTED), when no collection ran meanwhile. */
async function bytesOf(s: Subject, total: number): Promise<PathMeasure> {
  const count = Math.min(COUNTED, total);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  await s.drive(count * 3); // optimized code: what it allocates, not what the interpreter does
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  gc();
  await new Promise((resolve) => setImmediate(resolve)); // the full collection's entry comes first
  observer.observe({ entryTypes: ['gc'] });
  const before = youngBytes();
  const cpu = process.cpuUsage();
  await s.drive(count);
  const after = youngBytes();
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, 100)); // gc entries come a few turns later
  observer.disconnect();
  const bytes = collections === 0 ? (after - before) / count : undefined;
  return { wallNs: 0, cpuNs: ((used.user + used.system) * 1000) / count, bytes };
}

/** The driver of the build in `root` (a dist/ directory). */
export function pathDriver(root: string) {
  return {
    async measure(
      variant: PathVariant,
      mode: 'time' | 'bytes',
      count: number,
      chunk = 1000,
    ): Promise<PathMeasure> {
      CHUNK = chunk;
      const s = await subject(await modules(root), variant);
      try {
        return mode === 'time' ? await timeIt(s, count) : await bytesOf(s, count);
      } finally {
        await s.close();
      }
    },
  };
}
