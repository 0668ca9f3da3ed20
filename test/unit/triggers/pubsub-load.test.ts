import { Writable } from 'node:stream';
import { trigger, type InvocationContext } from '@azure/functions';
import pino from 'pino';
import { parseHostJson, type HostConfig } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { HostMetrics } from '../../../src/metrics/host-metrics';
import { createTestHost } from '../../../src/testing';
import { BindingOptions } from '../../../src/triggers/binding-options';
import { pubSubTrigger, type PubSubTriggerOptions } from '../../../src/triggers/pubsub';
import { DropReporter } from '../../../src/triggers/pubsub-drops';
import { PUBSUB_DEFAULTS } from '../../../src/triggers/pubsub-options';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, {});
const plainHost = parseHostJson({ version: '2.0' });

function parse(options: Record<string, unknown>, host: HostConfig = plainHost): PubSubTriggerOptions {
  const binding = new BindingOptions(
    'fn',
    { name: 'msg', type: 'redisPubSubTrigger', direction: 'in', connection: 'R', channel: 'c', ...options },
    settings,
    'test.js',
  );
  return pubSubTrigger.parseOptions(binding, host, 'messageModel');
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A promise with its resolve function, for handlers a test releases. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function pubsubFunction(
  name: string,
  handler: (model: { Message: string }, context: InvocationContext) => unknown,
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    options: {
      trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'R', channel: 'ch', ...extra }),
      handler: handler as never,
    },
  };
}

describe('redisPubSubTrigger load options', () => {
  it('defaults to a backlog of 10,000 and one invocation at a time', () => {
    const options = parse({});
    expect(PUBSUB_DEFAULTS).toEqual({ maxBacklog: 10_000, concurrency: 1 });
    expect(options.maxBacklog).toBe(10_000);
    expect(options.concurrency).toBe(1);
  });

  it('takes maxBacklog and concurrency per function, and maxBacklog from host.json extensions.redis.pubsub', () => {
    expect(parse({ maxBacklog: 50, concurrency: '4' })).toMatchObject({ maxBacklog: 50, concurrency: 4 });
    const host = parseHostJson({ version: '2.0', extensions: { redis: { PubSub: { MaxBacklog: 123 } } } });
    expect(parse({}, host).maxBacklog).toBe(123);
    expect(parse({ maxBacklog: 7 }, host).maxBacklog).toBe(7);
  });

  it('refuses a backlog or concurrency below 1, naming the option', () => {
    expect(errorOf(() => parse({ maxBacklog: 0 })).message).toBe(
      `Function 'fn' (test.js): option "maxBacklog" must be a whole number >= 1 (found 0).`,
    );
    expect(errorOf(() => parse({ concurrency: 1.5 })).message).toContain('option "concurrency"');
    const bad = parseHostJson({ version: '2.0', extensions: { redis: { pubsub: { maxBacklog: 'many' } } } });
    const error = errorOf(() => parse({}, bad));
    expect(error.code).toBe(ErrorCodes.HOST_JSON_INVALID);
    expect(error.message).toContain(
      '"extensions.redis.pubsub.maxBacklog" must be a whole number >= 1 (found "many")',
    );
    const notObject = parseHostJson({ version: '2.0', extensions: { redis: { pubsub: 3 } } });
    expect(errorOf(() => parse({}, notObject)).message).toContain(
      '"extensions.redis.pubsub" must be an object',
    );
  });
});

describe('a Pub/Sub function under load (in-memory test host)', () => {
  it('keeps at most maxBacklog messages waiting and drops the oldest waiting ones past it', async () => {
    const release = gate();
    const seen: string[] = [];
    const host = await createTestHost({
      functions: [
        pubsubFunction(
          'slow',
          async (m) => {
            seen.push(m.Message);
            if (m.Message === '1') await release.promise;
          },
          { maxBacklog: 2 },
        ),
      ],
    });
    try {
      for (const m of ['1', '2', '3', '4', '5']) host.broker.publish('ch', m); // 1 runs; 2 and 3 are dropped
      expect(seen).toEqual(['1']);
      release.open();
      await host.idle();
      expect(seen).toEqual(['1', '4', '5']);
      expect(host.invocationsOf('slow').map((r) => r.status)).toEqual([
        'succeeded',
        'succeeded',
        'succeeded',
      ]);
    } finally {
      await host.close();
    }
  });

  it('runs messages one at a time, in order, by default; concurrency N starts up to N at once, in order', async () => {
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const handler = (fn: string) => async (m: { Message: string }) => {
      order.push(`${fn}:${m.Message}`);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    };
    const host = await createTestHost({ functions: [pubsubFunction('inOrder', handler('inOrder'))] });
    const values = Array.from({ length: 20 }, (_v, i) => String(i));
    try {
      for (const v of values) host.broker.publish('ch', v);
      await host.idle();
      expect(order).toEqual(values.map((v) => `inOrder:${v}`));
      expect(most).toBe(1);
    } finally {
      await host.close();
    }
    order.length = 0;
    most = 0;
    const wide = await createTestHost({
      functions: [pubsubFunction('wide', handler('wide'), { concurrency: 4 })],
    });
    try {
      for (const v of values) wide.broker.publish('ch', v);
      await wide.idle();
      expect(order).toEqual(values.map((v) => `wide:${v}`)); // started in order
      expect(most).toBe(4);
    } finally {
      await wide.close();
    }
  });

  it('runs a quick handler at once, also when it publishes to its own channel from inside', async () => {
    const seen: string[] = [];
    const host = await createTestHost({
      functions: [
        pubsubFunction('echo', (m) => {
          seen.push(m.Message);
          if (m.Message.length < 3) host.broker.publish('ch', `${m.Message}+`);
        }),
      ],
    });
    try {
      host.broker.publish('ch', 'a');
      expect(seen).toEqual(['a', 'a+', 'a++']); // in the publisher's turn, in order
      host.broker.publish('ch', 'b');
      expect(seen).toEqual(['a', 'a+', 'a++', 'b', 'b+', 'b++']);
    } finally {
      await host.close();
    }
  });
});

describe('DropReporter', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino({ base: undefined }, stream) };
  }

  it('warns at the first drop, then sums the drops of an interval into one warning; counts every drop', async () => {
    const { lines, logger } = capture();
    const metrics = new HostMetrics();
    expect(await metrics.text()).not.toContain('function="onFlood"');
    const drops = new DropReporter({
      functionName: 'onFlood',
      maxBacklog: 5,
      logger,
      metrics,
      intervalMs: 60_000,
    });
    expect(await metrics.text()).toContain('redis_func_pubsub_dropped_total{function="onFlood"} 0');
    for (let i = 0; i < 4; i++) drops.drop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l['dropped'], l['totalDropped']])).toEqual([[1, 1]]);
    drops.close(); // what the interval held is reported on close
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l['dropped'], l['totalDropped']])).toEqual([
      [1, 1],
      [3, 4],
    ]);
    expect(lines[0]).toMatchObject({ level: 40, functionName: 'onFlood', maxBacklog: 5 });
    expect(lines[0]?.['msg']).toBe(
      "Function 'onFlood' dropped 1 Pub/Sub message(s) (1 in all): its backlog of 5 waiting messages was full, " +
        'so the oldest waiting ones made room. Make the handler faster, raise concurrency, or raise maxBacklog.',
    );
    expect(drops.dropped).toBe(4);
    expect(await metrics.text()).toContain('redis_func_pubsub_dropped_total{function="onFlood"} 4');
  });
});
