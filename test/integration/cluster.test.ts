import { output, trigger, type GenericFunctionOptions } from '@azure/functions';
import pino from 'pino';
import { createCluster } from 'redis';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { ErrorCodes } from '../../src/errors';
import { RedisConnections } from '../../src/redis/connections';
import { hostOnRedis, type HostOnRedisOptions, type HostUnderTest } from '../support/host-on-redis';
import { keysOnEachNode, startTestCluster, type TestCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/redis-server';

type Model = { Trigger: string; Message: string };

let cluster: TestCluster;
let redis: ReturnType<typeof createCluster>;
const hosts: HostUnderTest[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  redis = createCluster({ rootNodes: [{ url: cluster.url }] });
  await redis.connect();
}, 60_000);
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.close();
});
afterAll(async () => {
  redis?.destroy();
  await cluster?.stop();
});

async function start(
  registrations: Record<string, GenericFunctionOptions>,
  options: HostOnRedisOptions = {},
): Promise<HostUnderTest> {
  const h = await hostOnRedis(registrations, { url: cluster.url, ...options });
  hosts.push(h);
  return h;
}

function fn(
  type: string,
  options: Record<string, unknown>,
  handler: (m: unknown) => unknown = () => undefined,
) {
  return {
    trigger: trigger.generic({ type, connection: 'RedisConnectionString', ...options }),
    handler: handler as never,
  };
}

/** Resolves once `check` holds (for state no event announces, such as an XACK), failing after 5 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 5 s');
}

/** LPUSHes `<key>-<round>` to each key, round after round; resolves with what was sent as `key=value`. */
async function pushRounds(keys: readonly string[], rounds: number): Promise<string[]> {
  const sent: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) {
      await redis.lPush(key, `${key}-${round}`);
      sent.push(`${key}=${key}-${round}`);
    }
  }
  return sent;
}

const messages = (records: { input: unknown }[]): string[] =>
  records.map((r) => `${(r.input as Model).Trigger}=${(r.input as Model).Message}`).sort();

describe('Redis Cluster', () => {
  it('is detected from INFO cluster; a list trigger over keys on every master pops each element once', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-list'), 'jobs');
    expect(new Set(keys.map((k) => cluster.nodeOf(k))).size).toBe(3);
    for (const key of keys) await redis.rPush(key, [`${key}-1`, `${key}-2`]);
    const h = await start({
      onJob: fn('redisListTrigger', { keys: keys.join(' '), pollingIntervalInMs: 20 }),
    });
    await h.waitForLog((l) => /is a Redis Cluster with 3 masters/.test(l.msg));
    const records = await h.waitForInvocations(6);
    expect(messages(records)).toEqual(keys.flatMap((k) => [`${k}=${k}-1`, `${k}=${k}-2`]).sort());
    for (const key of keys) expect(await redis.lLen(key)).toBe(0);
  });

  it('blocking lists over several slots: each slot blocks on its own reader and nothing is lost', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-block'), 'jobs');
    const h = await start({ onJob: fn('redisListTrigger', { keys: keys.join(' '), mode: 'blocking' }) });
    await h.waitForLog((l) => l.msg.includes('pops list(s)'));
    const sent = await pushRounds(keys, 5);
    const records = await h.waitForInvocations(sent.length);
    expect(messages(records)).toEqual(sent.sort());
  });

  it('blocking lists over several slots: connections of one node killed lose nothing on the others', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-kill'), 'jobs');
    const h = await start({ onJob: fn('redisListTrigger', { keys: keys.join(' '), mode: 'blocking' }) });
    const nodeClients = await Promise.all(redis.masters.map((m) => redis.nodeClient(m)));
    const blockedOnEveryNode = async (): Promise<boolean> => {
      const lists = await Promise.all(nodeClients.map((c) => c.clientList()));
      return lists.every((clients) => clients.some((c) => c.cmd === 'blmpop'));
    };
    await eventually(blockedOnEveryNode);
    // The reader of one slot fails while the readers of the others stay blocked on their nodes.
    await nodeClients[1]?.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    await eventually(blockedOnEveryNode);
    const sent = await pushRounds(keys, 3);
    const records = await h.waitForInvocations(sent.length);
    expect(messages(records)).toEqual(sent.sort());
  });

  it('reliable lists: processing lists share the source key slot; handled elements leave them empty', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-reliable'), 'jobs');
    const h = await start({
      onJob: fn('redisListTrigger', { keys: keys.join(' '), reliable: true, pollingIntervalInMs: 20 }),
    });
    for (const key of keys) await redis.rPush(key, ['x', 'y']);
    await h.waitForInvocations(6);
    const processing = await Promise.all(
      keys.map(async (key) => {
        const node = redis.masters[cluster.nodeOf(key)];
        const client = node ? await redis.nodeClient(node) : undefined;
        const found = (await client?.keys(`*${key}*processing*`)) ?? [];
        return Promise.all(found.map((k) => redis.lLen(k)));
      }),
    );
    expect(processing.flat().every((n) => n === 0)).toBe(true);
  });

  it('streams over keys on every master: each entry handled once and acked; blocking reads too', async () => {
    const prefix = uniquePrefix('cl-stream');
    const polled = keysOnEachNode(cluster, prefix, 'polled');
    const blocked = keysOnEachNode(cluster, prefix, 'blocked');
    const h = await start({
      polled: fn('redisStreamTrigger', { keys: polled.join(' '), pollingIntervalInMs: 20 }),
      blocked: fn('redisStreamTrigger', { keys: blocked.join(' '), mode: 'blocking' }),
    });
    await h.waitForLog((l) => l.msg.includes("'blocked'") && l.msg.includes('reads stream'));
    for (const key of [...polled, ...blocked]) await redis.xAdd(key, '*', { k: key });
    expect(messages(await h.waitForInvocations(3, 'polled'))).toEqual(
      polled.map((k) => `${k}={"k":"${k}"}`).sort(),
    );
    expect(messages(await h.waitForInvocations(3, 'blocked'))).toEqual(
      blocked.map((k) => `${k}={"k":"${k}"}`).sort(),
    );
    // The acks follow the invocations (pipelined with the next read): wait for the group to have none pending.
    for (const [group, keys] of [
      ['polled', polled],
      ['blocked', blocked],
    ] as const)
      for (const key of keys) await eventually(async () => (await redis.xPending(key, group)).pending === 0);
  });

  it('Pub/Sub: SUBSCRIBE sees PUBLISH on any node; sharded: true receives SPUBLISH', async () => {
    const p = uniquePrefix('cl-pubsub');
    const h = await start({
      plain: fn('redisPubSubTrigger', { channel: `${p}plain`, pattern: false }),
      sharded: fn('redisPubSubTrigger', { channel: `${p}shard`, sharded: true }),
    });
    for (const node of cluster.nodes) {
      // (A master of the client's own map: nodeClient of any other object opens a client nobody closes.)
      const master = redis.masters.find((m) => m.port === node.port);
      if (!master) throw new Error(`no master on port ${node.port}`);
      const client = await redis.nodeClient(master);
      await client.publish(`${p}plain`, `via ${node.port}`);
    }
    await redis.sPublish(`${p}shard`, 'sharded hello');
    await redis.publish(`${p}shard`, 'not sharded');
    const plain = await h.waitForInvocations(3, 'plain');
    expect(plain.map((r) => (r.input as Model).Message).sort()).toEqual(
      cluster.nodes.map((n) => `via ${n.port}`).sort(),
    );
    const sharded = await h.waitForInvocations(1, 'sharded');
    expect(sharded.map((r) => (r.input as Model).Message)).toEqual(['sharded hello']);
  });

  it('keyspace notifications are subscribed on every master', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-keyspace'), 'k');
    const h = await start({
      keyspace: fn('redisPubSubTrigger', { channel: `__keyspace@0__:${keys[0]?.split(':')[0]}*` }),
    });
    for (const key of keys) await redis.set(key, 'v');
    const records = await h.waitForInvocations(3, 'keyspace');
    expect(records.map((r) => (r.input as Model).Trigger).sort()).toEqual(
      keys.map((k) => `__keyspace@0__:${k}`).sort(),
    );
  });

  it('redis output bindings run on the node of their key; the scale metric sums every node', async () => {
    const keys = keysOnEachNode(cluster, uniquePrefix('cl-out'), 'k');
    const out = output.generic({ type: 'redis', connection: 'RedisConnectionString', command: 'SET' });
    const h = await start({
      writer: {
        trigger: trigger.generic({
          type: 'redisListTrigger',
          connection: 'RedisConnectionString',
          keys: `${keys[0]}:in`,
          pollingIntervalInMs: 20,
        }),
        return: out,
        handler: ((m: Model) => [m.Message, 'written']) as never,
      },
    });
    for (const key of keys) await redis.rPush(`${keys[0]}:in`, key);
    const records = await h.waitForInvocations(3, 'writer');
    expect(records.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const key of keys) expect(await redis.get(key)).toBe('written');
    const backlog = keysOnEachNode(cluster, uniquePrefix('cl-scale'), 'k');
    for (const key of backlog) await redis.rPush(key, ['1', '2']);
    const scaled = await start(
      {
        idle: fn('redisListTrigger', {
          keys: backlog.join(' '),
          pollingIntervalInMs: 60_000,
          messagesPerWorker: 4,
        }),
      },
      { start: false },
    );
    expect(await scaled.host.scaleSamples()).toEqual([expect.objectContaining({ backlog: 6, target: 2 })]);
  });

  describe('connection settings', () => {
    const connections = (values: Record<string, string>): RedisConnections =>
      new RedisConnections({
        settings: new Settings(EMPTY_LOCAL_SETTINGS, values),
        logger: pino({ level: 'silent' }),
        embeddedDefault: false,
      });

    it('<setting>__cluster overrides detection either way; a bad value is refused at validation', async () => {
      const forced = connections({ R: cluster.url, R__cluster: 'false' });
      const declared = connections({ R: cluster.url, R__cluster: 'true' });
      try {
        expect(await forced.isCluster('R')).toBe(false);
        expect(await declared.isCluster('R')).toBe(true);
        const key = keysOnEachNode(cluster, uniquePrefix('cl-conn'), 'k')[2] ?? '';
        await declared.withKey('R', key, (client) => client.set(key, 'x'));
        expect(await redis.get(key)).toBe('x');
      } finally {
        await forced.close();
        await declared.close();
      }
      expect(() => connections({ R: cluster.url, R__cluster: 'sometimes' }).validate(['R'])).toThrow(
        expect.objectContaining({
          code: ErrorCodes.CONNECTION_STRING_INVALID,
          message: expect.stringContaining("'R__cluster'"),
        }),
      );
    });

    it('a database other than 0 on a cluster is a configuration error naming the setting', async () => {
      const c = connections({ R: `${cluster.url}/2` });
      try {
        await expect(c.withKey('R', 'k', (x) => x.get('k'))).rejects.toMatchObject({
          code: ErrorCodes.CONNECTION_STRING_INVALID,
          message: expect.stringContaining("'R' names database 2, but its server is a Redis Cluster"),
        });
      } finally {
        await c.close();
      }
    });
  });
});
