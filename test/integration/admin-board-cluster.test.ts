import { trigger } from '@azure/functions';
import pino from 'pino';
import { createCluster } from 'redis';
import { startAdminServer, type AdminServer } from '../../src/host/admin-server';
import { adminRequest } from '../support/admin-http';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { keysOnEachNode, startTestCluster, type TestCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/redis-server';

let cluster: TestCluster;
let redis: ReturnType<typeof createCluster>;
let h: HostUnderTest;
let admin: AdminServer;
const p = uniquePrefix('board-cluster');
let keys: string[] = [];
let failing = true;

beforeAll(async () => {
  cluster = await startTestCluster();
  redis = createCluster({ rootNodes: [{ url: cluster.url }] });
  await redis.connect();
  keys = keysOnEachNode(cluster, p, 'orders');
  const generic = (type: string, options: Record<string, unknown>) =>
    trigger.generic({ type, connection: 'RedisConnectionString', ...options });
  h = await hostOnRedis(
    {
      orders: {
        trigger: generic('redisStreamTrigger', { keys: keys.join(' '), pollingIntervalInMs: 20 }),
        handler: (() => {
          if (failing) throw new Error('not yet');
        }) as never,
        retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 10 } as never,
      },
      shard: {
        trigger: generic('redisPubSubTrigger', { channel: `${p}shard`, sharded: true }),
        handler: (() => 1) as never,
      },
    },
    { url: cluster.url },
  );
  admin = await startAdminServer(h.host, { port: 0, version: 'test' }, pino({ level: 'silent' }));
}, 60_000);
afterAll(async () => {
  await admin?.close();
  await h?.host.close();
  redis?.destroy();
  await cluster?.stop();
});

const post = (path: string, body: unknown) =>
  adminRequest(admin.port, 'POST', `/admin/board/functions/${path}`, { body });

describe('the board actions on Redis Cluster', () => {
  it('SPUBLISHes to a sharded channel', async () => {
    const sent = await post('shard/send', { message: 'to the shard' });
    expect(sent.body).toEqual({ command: 'SPUBLISH', target: `${p}shard`, result: 1 });
    await h.until(() =>
      h.records.find((r) => r.functionName === 'shard' && JSON.stringify(r.input).includes('to the shard')),
    );
  });

  it('sends to streams on every node, browses their dead letters, and requeues them all to their own stream', async () => {
    for (const [n, key] of keys.entries()) {
      const sent = await post('orders/send', { fields: { n: String(n) }, key });
      expect(sent.body).toMatchObject({ command: 'XADD', target: key });
    }
    const deadLettered = (l: { msg: string }) =>
      keys.filter((k) => l.msg.includes(`moved to '${k}:deadletter'`));
    await h.until(() => (new Set(h.logs.flatMap(deadLettered)).size === keys.length ? true : undefined));
    const browsed = (await adminRequest(admin.port, 'GET', '/admin/board/functions/orders/deadletters'))
      .body as {
      keys: string[];
      total: number;
      items: { source: string; fields: Record<string, string> }[];
    };
    expect(browsed.keys).toEqual(keys.map((k) => `${k}:deadletter`));
    expect(browsed.total).toBe(3);
    expect(browsed.items.map((i) => [i.source, i.fields])).toEqual(keys.map((k, n) => [k, { n: String(n) }]));
    failing = false;
    expect((await post('orders/deadletters/requeue', { all: true })).body).toEqual({ requeued: 3 });
    await h.until(() =>
      h.records.filter((r) => r.functionName === 'orders' && r.status === 'succeeded').length === 3
        ? true
        : undefined,
    );
    for (const key of keys) {
      expect(await redis.xLen(`${key}:deadletter`)).toBe(0);
      expect(await redis.xLen(key)).toBe(2); // the entry sent, and the same fields requeued
    }
  });
});
