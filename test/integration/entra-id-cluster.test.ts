import { createClient } from 'redis';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { silentLogger } from '../../src/logging';
import { RedisConnections } from '../../src/redis/connections';
import { RotatingCredential } from '../support/entra-token';
import { keysOnEachNode, startTestCluster, type TestCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/redis-server';

const OID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
let cluster: TestCluster;
let admins: ReturnType<typeof createClient>[];
let redis: RedisConnections | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  admins = cluster.nodes.map((node) => createClient({ url: node.url }));
  await Promise.all(admins.map((a) => a.connect()));
}, 60_000);
afterAll(async () => {
  await redis?.close();
  for (const a of admins ?? []) a.destroy();
  await cluster?.stop();
});

async function authCalls(admin: ReturnType<typeof createClient>): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/cmdstat_auth:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

it('authenticates every cluster node connection as principalId and re-authenticates them all', async () => {
  const credential = new RotatingCredential(admins, OID, 2000);
  // ssl=False (a StackExchange option redisHostName may carry): the test cluster has no TLS.
  const values = {
    Redis__redisHostName: `127.0.0.1:${cluster.nodes[0]?.port ?? 0},ssl=False`,
    Redis__principalId: OID,
  };
  redis = new RedisConnections({
    settings: new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, {}),
    logger: silentLogger(),
    embeddedDefault: false,
    credentialFor: () => credential,
  });
  expect(await redis.isCluster('Redis')).toBe(true);
  const prefix = uniquePrefix('entra-cluster');
  const keys = keysOnEachNode(cluster, prefix, 'k');
  for (const key of keys) expect(await redis.withKey('Redis', key, (client) => client.aclWhoAmI())).toBe(OID);
  const subscriber = await redis.subscriberClient('Redis');
  let onMessage: (message: string) => void = () => undefined;
  const received = new Promise<string>((resolve) => (onMessage = resolve));
  await subscriber.subscribe(`${prefix}:c`, (m) => onMessage(String(m)), true);
  const before = await Promise.all(admins.map(authCalls));

  await credential.issuedAtLeast(credential.issued.length + 2); // two rotations of the running connections
  for (const key of keys) expect(await redis.withKey('Redis', key, (c) => c.set(key, 'v'))).toBe('OK');
  const after = await Promise.all(admins.map(authCalls));
  // Each node's command connection sent AUTH with both new tokens.
  after.forEach((calls, node) => expect(calls - (before[node] ?? 0)).toBeGreaterThanOrEqual(2));
  await admins[0]?.publish(`${prefix}:c`, 'after two rotations');
  expect(await received).toBe('after two rotations');
}, 60_000);
