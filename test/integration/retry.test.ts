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

describe('stream retries kept in Redis (they outlive the host)', () => {
  const failing = (key: string, maxRetryCount: number, delayInterval: number, reclaimIdleMs: number) => ({
    trigger: trigger.generic({
      type: 'redisStreamTrigger',
      connection: 'RedisConnectionString',
      key,
      pollingIntervalInMs: 20,
      reclaimIdleMs,
    }),
    handler: (() => {
      throw new Error('still failing');
    }) as never,
    retry: { strategy: 'fixedDelay', maxRetryCount, delayInterval } as never,
  });
  const group = 'fn'; // the default consumer group: the function's name

  it('a host stopped while waiting for a retry: the next host claims the entry when it is due and counts on', async () => {
    const p = uniquePrefix('retry-restart');
    const first = await start({ fn: failing(`${p}s`, 3, 1500, 3000) });
    const id = await redis.xAdd(`${p}s`, '*', { n: '1' });
    await first.waitForInvocations(1);
    // Before the 1.5 s retry wait the entry records 1 attempt and an idle time of 3 s - 1.5 s: it is due
    // for any consumer's reclaim (idle >= 3 s) exactly when the retry is.
    const marked = async () => (await redis.xPendingRange(`${p}s`, group, id, id, 1))[0];
    for (let i = 0; i < 50 && ((await marked())?.millisecondsSinceLastDelivery ?? 0) < 1400; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await marked())?.deliveriesCounter).toBe(1);
    expect((await marked())?.millisecondsSinceLastDelivery).toBeGreaterThanOrEqual(1400);
    await first.host.close();
    expect(first.records.map((r) => r.attempt)).toEqual([1]);

    const second = await start({ fn: failing(`${p}s`, 3, 10, 3000) });
    await second.waitForLog((l) => l.msg.includes(`moved to '${p}s:deadletter'`));
    expect(second.records.map((r) => [r.attempt, r.status])).toEqual([
      [2, 'failed'],
      [3, 'failed'],
      [4, 'failed'],
    ]);
    const [dead] = (await redis.xRange(`${p}s:deadletter`, '-', '+')) ?? [];
    expect(dead?.message).toMatchObject({ id, attempts: '4', error: 'still failing' });
    expect(await redis.xPendingRange(`${p}s`, group, '-', '+', 10)).toEqual([]);
  });

  it('an entry delivered more often than the policy allows attempts is dead-lettered without running', async () => {
    const p = uniquePrefix('retry-exhausted');
    await redis.xGroupCreate(`${p}s`, group, '0', { MKSTREAM: true });
    const id = await redis.xAdd(`${p}s`, '*', { n: '1' });
    // A consumer that crashed on it three times: delivered 3 times, idle long enough to be claimed.
    await redis.xReadGroup(group, 'crashed', { key: `${p}s`, id: '>' });
    await redis.sendCommand([
      'XCLAIM',
      `${p}s`,
      group,
      'crashed',
      '0',
      id,
      'IDLE',
      '5000',
      'RETRYCOUNT',
      '3',
      'JUSTID',
    ]);
    const h = await start({ fn: failing(`${p}s`, 2, 10, 1000) });
    await h.waitForLog((l) => l.msg.includes(`moved to '${p}s:deadletter'`));
    expect(h.records).toEqual([]);
    const [dead] = (await redis.xRange(`${p}s:deadletter`, '-', '+')) ?? [];
    expect(dead?.message).toMatchObject({ id, attempts: '3' });
    expect(dead?.message['error']).toContain('delivered 4 times');
  });
});
