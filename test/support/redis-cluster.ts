import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { createClient } from 'redis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';

const run = promisify(execFile);
const clientFor = (url: string) => createClient({ url });
type RedisClient = ReturnType<typeof clientFor>;

export interface TestCluster {
  /** Seed URL (the first master). */
  readonly url: string;
  readonly nodes: readonly EmbeddedRedis[];
  /** The index of the master that serves `key` (slots are split in three equal ranges at creation). */
  nodeOf(key: string): number;
  stop(): Promise<void>;
}

/**
 * A 3-master Redis Cluster of `redis-server` processes on free ports (nodes 0-2 are the masters, then
 * `replicasPerMaster` replicas each), keyspace notifications on, created with `redis-cli --cluster create`;
 * resolves once every node says `cluster_state:ok`.
 */
export async function startTestCluster(replicasPerMaster = 0): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-func-cluster-'));
  const nodes: EmbeddedRedis[] = [];
  try {
    for (let i = 0; i < 3 * (1 + replicasPerMaster); i++) {
      nodes.push(
        await startEmbeddedRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${i}.conf`),
            '--cluster-node-timeout',
            '5000',
            '--notify-keyspace-events',
            'KEA',
            '--dir',
            dir,
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicasPerMaster),
      '--cluster-yes',
    ]);
    await Promise.all(nodes.map((n) => waitForClusterOk(n.url)));
    if (replicasPerMaster > 0) {
      await Promise.all(nodes.slice(0, 3).map((n) => waitForReplicas(n.url, replicasPerMaster)));
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: nodes[0]?.url ?? '',
    nodes,
    // redis-cli splits 16384 slots evenly in node order: 0-5460, 5461-10922, 10923-16383.
    nodeOf: (key) => Math.min(2, Math.floor(calculateSlot(key) / 5461.34)),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` on a connection to `url` every 50 ms for up to 10 s; throws `failure` if it never holds. */
async function pollNode(url: string, check: (client: RedisClient) => Promise<boolean>, failure: string) {
  const client = clientFor(url);
  await client.connect();
  try {
    for (let i = 0; i < 200; i++) {
      if (await check(client)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(failure);
  } finally {
    client.destroy();
  }
}

async function waitForClusterOk(url: string): Promise<void> {
  await pollNode(
    url,
    async (client) => /cluster_state:ok/.test(await client.clusterInfo()),
    `cluster at ${url} did not reach cluster_state:ok`,
  );
}

/**
 * cluster_state:ok comes before the replicas are known and in sync: wait until the master at `url` lists
 * `count` replicas and each of them reports its link to the master up.
 */
async function waitForReplicas(url: string, count: number): Promise<void> {
  await pollNode(
    url,
    async (client) => {
      const id = await client.sendCommand<string>(['CLUSTER', 'MYID']);
      const replicas = await client.sendCommand<string[]>(['CLUSTER', 'REPLICAS', id]);
      const role = await client.sendCommand<unknown[]>(['ROLE']);
      const connected = (role[2] as unknown[] | undefined)?.length ?? 0;
      return replicas.length === count && connected === count;
    },
    `the master at ${url} did not get ${count} connected replica(s)`,
  );
}

/** One key per cluster node, each `<prefix><name>-<n>` for the first n that lands on that node. */
export function keysOnEachNode(cluster: TestCluster, prefix: string, name: string): string[] {
  const keys: (string | undefined)[] = [undefined, undefined, undefined];
  for (let n = 0; keys.includes(undefined); n++) {
    const key = `${prefix}${name}-${n}`;
    const node = cluster.nodeOf(key);
    keys[node] ??= key;
  }
  return keys as string[];
}
