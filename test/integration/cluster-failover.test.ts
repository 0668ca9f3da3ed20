import { trigger } from '@azure/functions';
import { createClient, createCluster } from 'redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { keysOnEachNode, startTestCluster, type TestCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/redis-server';

// A cluster of 3 masters with a replica each: failovers move a shard to another node.
let cluster: TestCluster;
let redis: ReturnType<typeof createCluster>;
let host: HostUnderTest | undefined;

beforeAll(async () => {
  cluster = await startTestCluster(1);
  redis = createCluster({ rootNodes: [{ url: cluster.url }] });
  await redis.connect();
}, 60_000);
afterEach(async () => {
  await host?.host.close();
  host = undefined;
});
afterAll(async () => {
  redis?.destroy();
  await cluster?.stop();
});

/** The port of a replica of the master on `masterPort`. */
async function replicaOf(masterPort: number): Promise<number> {
  const master = createClient({ url: `redis://127.0.0.1:${masterPort}` });
  await master.connect();
  try {
    const id = await master.sendCommand<string>(['CLUSTER', 'MYID']);
    const replicas = await master.sendCommand<string[]>(['CLUSTER', 'REPLICAS', id]);
    const port = /127\.0\.0\.1:(\d+)@/.exec(replicas[0] ?? '')?.[1];
    if (!port) throw new Error(`no replica of 127.0.0.1:${masterPort}: ${JSON.stringify(replicas)}`);
    return Number(port);
  } finally {
    master.destroy();
  }
}

/** CLUSTER FAILOVER on the replica (the master is alive: a coordinated switch); resolves once it is master. */
async function failOver(replicaPort: number): Promise<void> {
  const replica = createClient({ url: `redis://127.0.0.1:${replicaPort}` });
  await replica.connect();
  try {
    await replica.sendCommand(['CLUSTER', 'FAILOVER']);
    for (let i = 0; i < 200; i++) {
      const role = await replica.sendCommand<unknown[]>(['ROLE']);
      if (role[0] === 'master') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`127.0.0.1:${replicaPort} did not become master`);
  } finally {
    replica.destroy();
  }
}

describe('Redis Cluster failover', () => {
  it('keyspace subscriptions follow a failover: the promoted replica is subscribed, the demoted master dropped', async () => {
    const p = uniquePrefix('cl-failover');
    const keys = keysOnEachNode(cluster, p, 'k');
    host = await hostOnRedis(
      {
        keyspace: {
          trigger: trigger.generic({
            type: 'redisPubSubTrigger',
            connection: 'RedisConnectionString',
            channel: `__keyspace@0__:${p}*`,
          }),
          handler: (() => undefined) as never,
        },
      },
      { url: cluster.url },
    );
    for (const key of keys) await redis.set(key, 'before');
    await host.waitForInvocations(3);

    // A replica does not publish notifications for the writes it replicates: after the switch, the shard's
    // notifications come only from the promoted node.
    const oldMaster = cluster.nodes[cluster.nodeOf(keys[1] ?? '')]?.port ?? 0;
    const promoted = await replicaOf(oldMaster);
    await failOver(promoted);
    await host.waitForLog(
      (l) =>
        l.msg.includes('follows the cluster') &&
        l.msg.includes(`added 127.0.0.1:${promoted}`) &&
        l.msg.includes(`dropped 127.0.0.1:${oldMaster}`),
    );
    await redis.set(keys[1] ?? '', 'after');
    const records = await host.waitForInvocations(4);
    expect(records.map((r) => (r.input as { Trigger: string }).Trigger)).toContain(
      `__keyspace@0__:${keys[1]}`,
    );
    expect(records).toHaveLength(4);
  });
});
