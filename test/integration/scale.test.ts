import { trigger } from '@azure/functions';
import pino from 'pino';
import { createClient } from 'redis';
import { HostGroup } from '../../src/host/host-group';
import { ScaleMonitor } from '../../src/host/scale-monitor';
import { buildHostOnRedis, hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
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

const stream = (key: string, extra: Record<string, unknown> = {}) => ({
  trigger: trigger.generic({
    type: 'redisStreamTrigger',
    connection: 'RedisConnectionString',
    key,
    ...extra,
  }),
  handler: (() => undefined) as never,
});

async function fill(key: string, count: number): Promise<void> {
  const multi = redis.multi();
  for (let i = 0; i < count; i++) multi.xAdd(key, '*', { n: String(i) });
  await multi.exec();
}

describe('scale metric', () => {
  it('is the group lag (pending entries do not count), divided by maxBatchSize, as the 1.x scale monitor computes it', async () => {
    const p = uniquePrefix('scale');
    await fill(`${p}s`, 250);
    await redis.xGroupCreate(`${p}s`, 'g', '0');
    await redis.xReadGroup('g', 'someone', { key: `${p}s`, id: '>' }, { COUNT: 30 }); // 30 pending, 220 lag
    const h = await hostOnRedis(
      {
        s: stream(`${p}s`, { consumerGroup: 'g', maxBatchSize: 16 }),
        w: stream(`${p}s`, { consumerGroup: 'g', maxBatchSize: 16, messagesPerWorker: 100 }),
      },
      { start: false },
    );
    hosts.push(h);
    const [s, w] = await h.host.scaleSamples();
    expect(s).toMatchObject({ backlog: 220, perInstance: 16, perInstanceFrom: 'maxBatchSize', target: 14 });
    // The preview's messagesPerWorker divides instead, only when set.
    expect(w).toMatchObject({
      backlog: 220,
      perInstance: 100,
      perInstanceFrom: 'messagesPerWorker',
      target: 3,
    });
    const metrics = await h.host.metrics?.text();
    expect(metrics).toContain('redis_func_backlog{function="s"} 220');
    expect(metrics).toContain('redis_func_target_instances{function="s"} 14');
    expect(metrics).toContain('redis_func_target_instances{function="w"} 3');
  });

  it('is read at scrape time: the first scrape after start has both series for every list and stream function', async () => {
    const p = uniquePrefix('scrape');
    await redis.rPush(`${p}l`, ['a', 'b', 'c']);
    const h = await hostOnRedis(
      {
        l: {
          trigger: trigger.generic({
            type: 'redisListTrigger',
            connection: 'RedisConnectionString',
            key: `${p}l`,
            maxBatchSize: 2,
            pollingIntervalInMs: 60_000,
          }),
          handler: (() => new Promise(() => undefined)) as never, // never finishes: nothing more is popped
        },
        s: stream(`${p}s`),
        ps: {
          trigger: trigger.generic({
            type: 'redisPubSubTrigger',
            connection: 'RedisConnectionString',
            channel: `${p}c`,
          }),
          handler: (() => undefined) as never,
        },
      },
      { start: false },
    );
    hosts.push(h);
    const metrics = (await h.host.metrics?.text()) ?? '';
    expect(metrics).toContain('redis_func_backlog{function="l"} 3');
    expect(metrics).toContain('redis_func_target_instances{function="l"} 2');
    expect(metrics).toContain('redis_func_backlog{function="s"} 0');
    expect(metrics).toContain('redis_func_target_instances{function="s"} 0');
    expect(metrics).not.toContain('function="ps"');
  });

  it('counts a stream without the group as all waiting, and a missing stream as nothing', async () => {
    const p = uniquePrefix('scale0');
    await fill(`${p}a`, 5);
    const h = await hostOnRedis(
      { a: stream(`${p}a`, { consumerGroup: 'nobody' }), b: stream(`${p}missing`) },
      { start: false },
    );
    hosts.push(h);
    const samples = await h.host.scaleSamples();
    expect(samples.map((s) => [s.fn.name, s.backlog, s.target])).toEqual([
      ['a', 5, 1],
      ['b', 0, 0],
    ]);
  });
});

describe('autoscale', () => {
  it('moves the instance count to the target within the range and logs why', async () => {
    const p = uniquePrefix('autoscale');
    await fill(`${p}s`, 350);
    await redis.xGroupCreate(`${p}s`, 'g', '0');
    const lines: { msg: string }[] = [];
    const logger = pino(
      {},
      { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
    );
    // Slow handlers, so the backlog is still there when the monitor looks.
    const functions = {
      s: {
        ...stream(`${p}s`, { consumerGroup: 'g', messagesPerWorker: 100 }),
        handler: (() => new Promise((r) => setTimeout(r, 200))) as never,
      },
    };
    const group = new HostGroup({
      create: () => {
        const built = buildHostOnRedis(functions, {});
        hosts.push(built);
        return built.host;
      },
      functions: buildHostOnRedis(functions, {}).host.functions,
      logger,
    });
    await group.scaleTo(1, 'start');
    const monitor = new ScaleMonitor({
      primary: () => group.primary,
      group,
      logger,
      autoscale: { min: 1, max: 3 },
    });
    expect(await monitor.evaluate()).toBe(3);
    expect(group.instanceCount).toBe(3);
    const decision = lines.find((l) => l.msg.startsWith('Scaling from 1 to 3'));
    expect(decision?.msg).toContain("backlog of 's' is");
    expect(decision?.msg).toContain('range 1..3');
    await group.close();
    expect(group.instanceCount).toBe(0);
  });
});
