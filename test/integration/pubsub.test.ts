import { trigger, type InvocationContext } from '@azure/functions';
import { invocationSignal } from '../../src';
import { createClient } from 'redis';
import { ErrorCodes } from '../../src/errors';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const redis = createClient({ url: redisUrl() });
const hosts: HostUnderTest[] = [];
const servers: EmbeddedRedis[] = [];

beforeAll(async () => {
  await redis.connect();
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.close();
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => {
  redis.destroy();
});

function pubsub(
  channel: string,
  handler: (model: { Trigger: string; Message: string }, context: InvocationContext) => unknown,
  extra: Record<string, unknown> = {},
) {
  return {
    trigger: trigger.generic({
      type: 'redisPubSubTrigger',
      connection: 'RedisConnectionString',
      channel,
      ...extra,
    }),
    handler: handler as never,
  };
}

async function start(...args: Parameters<typeof hostOnRedis>): Promise<HostUnderTest> {
  const h = await hostOnRedis(...args);
  hosts.push(h);
  return h;
}

describe('RedisPubSubTrigger on a real Redis', () => {
  it('delivers RedisMessageModel and trigger metadata; patterns by default, exact channels with pattern: false', async () => {
    const p = uniquePrefix('pubsub');
    const h = await start({
      onPattern: pubsub(`${p}orders:*`, (m) => m.Message.toUpperCase()),
      onExact: pubsub(`${p}orders:created`, () => undefined, { pattern: false }),
    });
    expect(await redis.publish(`${p}orders:created`, 'one')).toBe(2);
    expect(await redis.publish(`${p}orders:shipped`, 'two')).toBe(1);
    const records = await h.waitForInvocations(3);
    const pattern = records.filter((r) => r.functionName === 'onPattern');
    expect(pattern.map((r) => r.input)).toEqual([
      { Trigger: `${p}orders:created`, Message: 'one' },
      { Trigger: `${p}orders:shipped`, Message: 'two' },
    ]);
    expect(pattern[0]?.triggerMetadata).toEqual({
      SubscriptionChannel: `${p}orders:*`,
      Channel: `${p}orders:created`,
      Message: 'one',
    });
    expect(pattern[1]?.result).toBe('TWO');
    expect(records.filter((r) => r.functionName === 'onExact').map((r) => r.input)).toEqual([
      { Trigger: `${p}orders:created`, Message: 'one' },
    ]);
    const executing = h.logs.filter((l) => l.msg.startsWith("Executing 'Functions.onPattern'"));
    expect(executing[0]?.msg).toMatch(/^Executing 'Functions\.onPattern' \(Reason='.+', Id=[0-9a-f-]{36}\)$/);
    expect(
      h.logs.some((l) =>
        /^Executed 'Functions\.onExact' \(Succeeded, Id=[0-9a-f-]{36}, Duration=\d+ms\)$/.test(l.msg),
      ),
    ).toBe(true);
  });

  it('handles the messages of one subscription in order, one at a time', async () => {
    const p = uniquePrefix('order');
    let running = 0;
    let maxRunning = 0;
    const seen: string[] = [];
    await start({
      ordered: pubsub(
        `${p}c`,
        async (m) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, Number(m.Message) % 3));
          seen.push(m.Message);
          running--;
        },
        { pattern: false },
      ),
    }).then(async (h) => {
      for (let i = 0; i < 50; i++) await redis.publish(`${p}c`, String(i));
      await h.waitForInvocations(50);
    });
    expect(seen).toEqual(Array.from({ length: 50 }, (_v, i) => String(i)));
    expect(maxRunning).toBe(1);
  });

  it('logs a failing handler as Failed and keeps handling the next messages', async () => {
    const p = uniquePrefix('fail');
    const h = await start({
      flaky: pubsub(`${p}c`, (m) => {
        if (m.Message === 'boom') throw new Error('handler exploded');
      }),
    });
    await redis.publish(`${p}c`, 'boom');
    await redis.publish(`${p}c`, 'fine');
    const [failed, ok] = await h.waitForInvocations(2);
    expect(failed?.status).toBe('failed');
    expect(ok?.status).toBe('succeeded');
    const line = h.logs.find((l) => l.msg.startsWith("Executed 'Functions.flaky' (Failed"));
    expect(line?.level).toBe('error');
    expect(JSON.stringify(line)).toContain('handler exploded');
  });

  it('marks an invocation that outlives functionTimeout as Failed', async () => {
    const p = uniquePrefix('timeout');
    let aborted: unknown;
    const h = await start(
      {
        slow: pubsub(`${p}c`, (_m: unknown, context: InvocationContext) => {
          const signal = invocationSignal(context);
          return new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5000);
            signal.addEventListener('abort', () => {
              aborted = signal.reason;
              clearTimeout(timer);
              resolve();
            });
          });
        }),
      },
      { hostJson: { functionTimeout: '00:00:01' } },
    );
    await redis.publish(`${p}c`, 'x');
    const [record] = await h.waitForInvocations(1);
    expect(record?.status).toBe('failed');
    expect((record?.error as { code?: string }).code).toBe(ErrorCodes.FUNCTION_TIMEOUT);
    expect(aborted).toBe(record?.error);
  });

  it('receives keyevent notifications like any other channel', async () => {
    const p = uniquePrefix('keyevent');
    const h = await start({ onDel: pubsub('__keyevent@0__:del', (m) => m.Message) });
    await redis.set(`${p}k`, '1');
    await redis.del(`${p}k`);
    const records = await h.waitForInvocations(1);
    expect(records.some((r) => (r.input as { Message: string }).Message === `${p}k`)).toBe(true);
  });

  it('does not subscribe disabled functions', async () => {
    const p = uniquePrefix('disabled');
    await start({ off: pubsub(`${p}c`, () => undefined) }, { env: { 'AzureWebJobs.off.Disabled': 'true' } });
    expect(await redis.publish(`${p}c`, 'x')).toBe(0);
  });

  it('warns once, naming notify-keyspace-events, when the server has notifications off', async () => {
    const server = await startEmbeddedRedis();
    servers.push(server);
    const h = await start({ k: pubsub('__keyspace@0__:*', () => undefined) }, { url: server.url });
    const warning = await h.waitForLog((l) => l.level === 'warn' && l.msg.includes('notify-keyspace-events'));
    expect(warning.msg).toContain("Function 'k'");
  });

  it('resubscribes after its connection is killed', async () => {
    // A private server: killing every Pub/Sub connection must not disturb other test files.
    const server = await startEmbeddedRedis();
    servers.push(server);
    const own = createClient({ url: server.url });
    await own.connect();
    const p = uniquePrefix('reconnect');
    const h = await start(
      { again: pubsub(`${p}c`, () => undefined, { pattern: false }) },
      { url: server.url },
    );
    await own.publish(`${p}c`, 'before');
    await h.waitForInvocations(1);
    await own.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    // Publishing tells how many subscribers got it: wait until the host is subscribed again.
    let received = 0;
    for (let attempt = 0; received === 0 && attempt < 200; attempt++) {
      received = await own.publish(`${p}c`, 'after');
      if (received === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(received).toBe(1);
    const records = await h.waitForInvocations(2);
    expect(records.map((r) => (r.input as { Message: string }).Message)).toEqual(['before', 'after']);
    own.destroy();
  });

  it('refuses a wrong password with an auth error naming the setting', async () => {
    const server = await startEmbeddedRedis({ args: ['--requirepass', 'right-one'] });
    servers.push(server);
    const h = await hostOnRedis(
      { f: pubsub('c', () => undefined) },
      { url: `redis://:wrong-one@127.0.0.1:${server.port}`, start: false },
    );
    hosts.push(h);
    await expect(h.host.start()).rejects.toMatchObject({ code: ErrorCodes.REDIS_AUTH_FAILED });
    expect(JSON.stringify(h.logs)).not.toContain('wrong-one');
  });

  it('takes odd messages without harm: empty, 1 MB, invalid UTF-8, and JSON a handler cannot parse', async () => {
    const p = uniquePrefix('odd');
    const h = await start({
      parses: pubsub(`${p}c`, (m) => (JSON.parse(m.Message) as unknown, m.Message.length), {
        pattern: false,
      }),
    });
    await redis.publish(`${p}c`, '');
    await redis.publish(`${p}c`, JSON.stringify('y'.repeat(1024 * 1024)));
    await redis.publish(`${p}c`, Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    await redis.publish(`${p}c`, '{"not": json');
    await redis.publish(`${p}c`, '{"fine": true}');
    const records = await h.waitForInvocations(5);
    expect(records.map((r) => r.status)).toEqual(['failed', 'succeeded', 'succeeded', 'failed', 'succeeded']);
    expect(records[1]?.result).toBe(1024 * 1024 + 2);
    expect((records[2]?.input as { Message: string }).Message).toBe('"\uFFFD\uFFFD"');
    expect(h.host.state).toBe('running');
  });

  it('runs redis input and output bindings declared with input.generic / output.generic; a failing output fails the invocation', async () => {
    const p = uniquePrefix('bindings');
    await redis.set(`${p}greeting`, 'hello');
    const h = await start({
      withBindings: {
        ...pubsub(
          `${p}c`,
          (m, context) => {
            const value = context.extraInputs.get('current') as string | null;
            context.extraOutputs.set('copy', [`${p}copy`, `${value} and ${m.Message}`]);
            return m.Message === 'bad' ? 'ONLY-ONE-ARGUMENT' : `${p}last ${m.Message}`;
          },
          { pattern: false },
        ),
        extraInputs: [
          {
            type: 'redis',
            name: 'current',
            connection: 'RedisConnectionString',
            command: `GET ${p}greeting`,
          },
        ],
        extraOutputs: [{ type: 'redis', name: 'copy', connection: 'RedisConnectionString', command: 'SET' }],
        return: { type: 'redis', name: '$return', connection: 'RedisConnectionString', command: 'SET' },
      },
    });
    await redis.publish(`${p}c`, 'good');
    await redis.publish(`${p}c`, 'bad');
    const [good, bad] = await h.waitForInvocations(2);
    expect(good?.status).toBe('succeeded');
    expect(await redis.get(`${p}last`)).toBe('good');
    expect(await redis.get(`${p}copy`)).toBe('hello and bad');
    expect(bad?.status).toBe('failed');
    expect(String((bad?.error as Error).message)).toMatch(/wrong number of arguments/i);
  });
  it('times each message on its own: neither the gaps between messages nor another function count in a duration', async () => {
    const p = uniquePrefix('durations');
    let quick = 0;
    let slow = 0;
    const h = await start(
      {
        quick: pubsub(`${p}ch`, () => void quick++, { pattern: false }),
        slow: pubsub(`${p}ch`, () => {
          slow++;
          const until = performance.now() + 30;
          while (performance.now() < until); // 30 ms of synchronous work
        }),
      },
      { records: false, hostJson: { logging: { logLevel: { default: 'Warning' } } } },
    );
    for (let i = 0; i < 3; i++) {
      // two messages per pipeline: both functions' invocations of both usually come in one socket read
      await Promise.all([redis.publish(`${p}ch`, 'a'), redis.publish(`${p}ch`, 'b')]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await h.until(() => (quick === 6 && slow === 6 ? true : undefined));
    const text = await h.host.metrics?.text();
    const sum = (name: string): number =>
      Number(
        new RegExp(`redis_func_invocation_duration_seconds_sum\\{function="${name}"\\} (\\S+)`).exec(
          text ?? '',
        )?.[1],
      );
    expect(sum('slow')).toBeGreaterThanOrEqual(6 * 0.03);
    expect(sum('quick')).toBeLessThan(0.03); // six quick invocations, none charged with a gap or a slow one
  });
});
