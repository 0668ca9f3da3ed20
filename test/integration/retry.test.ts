import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { NonRetryableError } from '../../src/errors';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const redis = createClient({ url: redisUrl() });
const hosts: HostUnderTest[] = [];
beforeAll(async () => {
  await redis.connect();
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.close();
});
afterAll(() => {
  redis.destroy();
});

const pubsub = (
  channel: string,
  handler: (m: unknown, c: { retryContext?: unknown }) => unknown,
  retry?: object,
) => ({
  trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'RedisConnectionString', channel }),
  handler: handler as never,
  ...(retry ? { retry: retry as never } : {}),
});

async function start(...args: Parameters<typeof hostOnRedis>): Promise<HostUnderTest> {
  const h = await hostOnRedis(...args);
  hosts.push(h);
  return h;
}

describe('retry policies (in-process)', () => {
  it('retries a failing invocation per the function policy and fills context.retryContext', async () => {
    const p = uniquePrefix('retry');
    const contexts: unknown[] = [];
    let calls = 0;
    const h = await start({
      flaky: pubsub(
        `${p}c`,
        (_m, context) => {
          contexts.push(context.retryContext);
          if (++calls < 3) throw new Error(`attempt ${calls} failed`);
          return 'finally';
        },
        { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: 20 },
      ),
    });
    await redis.publish(`${p}c`, 'x');
    const records = await h.waitForInvocations(3);
    expect(records.map((r) => r.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(contexts).toEqual([
      undefined,
      { retryCount: 1, maxRetryCount: 3 },
      { retryCount: 2, maxRetryCount: 3 },
    ]);
    const metrics = await h.host.options.metrics?.text();
    expect(metrics).toContain('redis_func_retries_total{function="flaky"} 2');
    expect(metrics).toContain('redis_func_invocations_total{function="flaky",status="failed"} 2');
  });

  it('uses host.json retry when the function has none, and stops after maxRetryCount', async () => {
    const p = uniquePrefix('hostretry');
    const h = await start(
      {
        always: pubsub(`${p}c`, () => {
          throw new Error('never works');
        }),
      },
      {
        hostJson: {
          retry: {
            strategy: 'exponentialBackoff',
            maxRetryCount: 2,
            minimumInterval: '00:00:00.010',
            maximumInterval: '00:00:00.050',
          },
        },
      },
    );
    await redis.publish(`${p}c`, 'x');
    await redis.publish(`${p}c`, 'y');
    const records = await h.waitForInvocations(6);
    expect(records.map((r) => (r.input as { Message: string }).Message)).toEqual([
      'x',
      'x',
      'x',
      'y',
      'y',
      'y',
    ]);
    expect(records.every((r) => r.status === 'failed')).toBe(true);
  });

  it('does not retry a NonRetryableError', async () => {
    const p = uniquePrefix('poison');
    const h = await start({
      poison: pubsub(
        `${p}c`,
        (m) => {
          if ((m as { Message: string }).Message === 'poison')
            throw new NonRetryableError('cannot ever handle this');
        },
        { strategy: 'fixedDelay', maxRetryCount: 5, delayInterval: 10 },
      ),
    });
    await redis.publish(`${p}c`, 'poison');
    await redis.publish(`${p}c`, 'next');
    const records = await h.waitForInvocations(2);
    expect(records.map((r) => [(r.input as { Message: string }).Message, r.status])).toEqual([
      ['poison', 'failed'],
      ['next', 'succeeded'],
    ]);
  });

  it('counts dead-lettered stream entries in the metrics', async () => {
    const p = uniquePrefix('dlq-metric');
    const h = await start({
      dead: {
        trigger: trigger.generic({
          type: 'redisStreamTrigger',
          connection: 'RedisConnectionString',
          key: `${p}s`,
          pollingIntervalInMs: 20,
        }),
        handler: (() => {
          throw new NonRetryableError('never');
        }) as never,
      },
    });
    await redis.xAdd(`${p}s`, '*', { n: '1' });
    await h.waitForLog((l) => l.msg.includes(`moved to '${p}s:deadletter'`));
    expect(await h.host.metrics?.text()).toContain('redis_func_dead_lettered_total{function="dead"} 1');
  });
});
