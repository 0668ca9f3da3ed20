import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { createClient } from 'redis';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { ErrorCodes } from '../../src/errors';
import pino from 'pino';
import { silentLogger, type Logger } from '../../src/logging';
import { RedisConnections } from '../../src/redis/connections';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { uniquePrefix } from '../support/redis-server';
import { RotatingCredential } from '../support/entra-token';
import { makeCertificates, type TestCertificates } from '../support/tls';

const OID = '00000000-1111-2222-3333-444444444444';
let certs: TestCertificates;
let server: EmbeddedRedis;
let tlsPort: number;
let admin: ReturnType<typeof createClient>;
const opened: RedisConnections[] = [];

function connections(
  values: Record<string, string>,
  credential: TokenCredential,
  logger: Logger = silentLogger(),
): RedisConnections {
  const settings = new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, {});
  const c = new RedisConnections({
    settings,
    logger,
    embeddedDefault: false,
    credentialFor: () => credential,
  });
  opened.push(c);
  return c;
}

const identity = (extra: Record<string, string> = {}): Record<string, string> => ({
  Redis__redisHostName: `localhost:${tlsPort}`,
  Redis__principalId: OID,
  Redis__tlsCaFile: certs.caFile,
  ...extra,
});

async function authCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/cmdstat_auth:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

async function clientIdsOf(user: string): Promise<string[]> {
  const list = await admin.clientList();
  return list
    .filter((client) => client.user === user)
    .map((client) => String(client.id))
    .sort();
}

beforeAll(async () => {
  certs = makeCertificates();
  tlsPort = await freePort();
  server = await startEmbeddedRedis({
    port: tlsPort,
    args: [
      '--tls-port',
      String(tlsPort),
      '--port',
      '0',
      '--tls-cert-file',
      certs.certFile,
      '--tls-key-file',
      certs.keyFile,
      '--tls-ca-cert-file',
      certs.caFile,
      '--tls-auth-clients',
      'no',
    ],
  });
  admin = createClient({
    socket: { host: 'localhost', port: tlsPort, tls: true, ca: readFileSync(certs.caFile) },
  });
  await admin.connect();
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  await admin.sendCommand(['ACL', 'DELUSER', OID]);
});
afterAll(async () => {
  admin.destroy();
  await server.stop();
});

describe('Microsoft Entra ID connections', () => {
  it('authenticates every connection as principalId with a token over TLS and re-authenticates before expiry', async () => {
    const credential = new RotatingCredential([admin], OID, 2000);
    const redis = connections(identity(), credential);
    const prefix = uniquePrefix('entra');
    const command = await redis.commandClient('Redis');
    expect(await command.aclWhoAmI()).toBe(OID);
    const subscriber = await redis.subscriberClient('Redis');
    let onMessage: (message: string) => void = () => undefined;
    const received = new Promise<string>((resolve) => (onMessage = resolve));
    await subscriber.subscribe(`${prefix}:c`, (m) => onMessage(String(m)), true);
    const blocking = await redis.dedicatedClient('Redis', 'blocking-reader', undefined, 'ListFn');
    const blocked = blocking.sendCommand(['BLPOP', `${prefix}:list`, '0']);
    const idsBefore = await clientIdsOf(OID);
    expect(idsBefore).toHaveLength(3);
    const authsBefore = await authCalls();

    const issued = credential.issued.length;
    expect(issued).toBe(1); // one token for all three connections
    await credential.issuedAtLeast(3); // two rotations; the first token's password is gone afterwards
    const [first, second] = credential.issued;
    await expect(
      createClient({
        socket: { host: 'localhost', port: tlsPort, tls: true, ca: readFileSync(certs.caFile) },
        username: OID,
        password: first ?? '',
      }).connect(),
    ).rejects.toThrow(/WRONGPASS/);
    expect(second).toBeDefined();

    // Still the same connections: nothing was dropped, the subscription and the blocked read are alive.
    expect(await command.set(`${prefix}:k`, 'v')).toBe('OK');
    await admin.publish(`${prefix}:c`, 'after two rotations');
    await admin.rPush(`${prefix}:list`, 'element');
    expect(await blocked).toEqual([`${prefix}:list`, 'element']);
    expect(await blocking.ping()).toBe('PONG'); // answered after the AUTHs queued behind the blocked read
    expect(await command.ping()).toBe('PONG');
    expect(await clientIdsOf(OID)).toEqual(idsBefore);
    expect(await received).toBe('after two rotations');
    // Each of the three connections sent AUTH with each of the two new tokens (the blocked one once released).
    expect((await authCalls()) - authsBefore).toBeGreaterThanOrEqual(6);
    expect(await redis.describe()).toEqual({
      Redis: `localhost:${tlsPort} (TLS), Microsoft Entra ID (DefaultAzureCredential, user ${OID})`,
    });
  }, 30_000);

  it('retries a refresh that fails, logs it, and keeps the connection on the old token meanwhile', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      {},
      { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[0]) },
    );
    const credential = new RotatingCredential([admin], OID, 4000);
    const redis = connections(identity(), credential, logger);
    const command = await redis.commandClient('Redis');
    const idsBefore = await clientIdsOf(OID);
    const authsBefore = await authCalls();
    credential.failNext(1);
    await credential.issuedAtLeast(2);
    expect(credential.requests).toBe(3); // the first token, the refused refresh, its retry
    const retries = lines.filter((l) => l.msg.includes("token of connection 'Redis' failed; retrying"));
    expect(retries).toHaveLength(1);
    expect(retries[0]?.msg).toContain('The token endpoint is unavailable (test).');
    expect(await command.ping()).toBe('PONG');
    expect(await clientIdsOf(OID)).toEqual(idsBefore);
    expect((await authCalls()) - authsBefore).toBe(1);
    expect(JSON.stringify(lines)).not.toContain(credential.issued[0] ?? 'none');
  }, 30_000);

  it('names the setting when no credential is found', async () => {
    const unavailable: TokenCredential = {
      getToken: () => {
        const error = new Error('EnvironmentCredential is unavailable. Azure CLI not logged in.');
        error.name = 'CredentialUnavailableError';
        return Promise.reject(error);
      },
    };
    const redis = connections(identity(), unavailable);
    await expect(redis.commandClient('Redis')).rejects.toMatchObject({
      code: ErrorCodes.ENTRA_CREDENTIAL_UNAVAILABLE,
      message: expect.stringMatching(/connection 'Redis'.*az login/s),
    });
  });

  it('names the setting and the user when Redis refuses the token', async () => {
    const credential = new RotatingCredential([admin], OID, 60_000);
    const redis = connections(identity({ Redis__principalId: 'not-the-object-id' }), credential);
    const error = await redis.commandClient('Redis').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCodes.ENTRA_REDIS_REFUSED,
      message: expect.stringContaining("user 'not-the-object-id' (setting 'Redis')"),
    });
    expect(String((error as Error).message)).not.toContain(credential.issued[0] ?? 'no token');
  });

  it('refuses incomplete identity settings before connecting', () => {
    const credential = new RotatingCredential([admin], OID, 60_000);
    const redis = connections({ Redis__redisHostName: `localhost:${tlsPort}` }, credential);
    expect(() => redis.validate(['Redis'])).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_IDENTITY_INVALID, field: 'Redis__principalId' }),
    );
    const both = connections({ ...identity(), Redis: `localhost:${tlsPort}` }, credential);
    expect(() => both.validate(['Redis'])).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_AMBIGUOUS }),
    );
  });
});
