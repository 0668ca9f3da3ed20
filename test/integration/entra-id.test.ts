import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { createClient } from 'redis';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { ErrorCodes } from '../../src/errors';
import { silentLogger } from '../../src/logging';
import { RedisConnections } from '../../src/redis/connections';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { uniquePrefix } from '../support/redis-server';
import { makeCertificates, type TestCertificates } from '../support/tls';

const OID = '00000000-1111-2222-3333-444444444444';
let certs: TestCertificates;
let server: EmbeddedRedis;
let tlsPort: number;
let admin: ReturnType<typeof createClient>;
const opened: RedisConnections[] = [];

/**
 * Mints short-lived tokens as Entra ID would, and makes each the ACL password of the identity's user
 * (ACL SETUSER <oid> >token) and removes it once it expired, like a cache that accepts only valid tokens.
 */
class RotatingCredential implements TokenCredential {
  readonly issued: string[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  constructor(private readonly ttlMs: number) {}
  async getToken(): Promise<AccessToken> {
    const token = `token-${this.issued.length + 1}-${randomUUID()}`;
    await admin.sendCommand(['ACL', 'SETUSER', OID, 'on', `>${token}`, '~*', '&*', '+@all']);
    setTimeout(() => {
      admin.sendCommand(['ACL', 'SETUSER', OID, `<${token}`]).catch(() => undefined);
    }, this.ttlMs).unref();
    this.issued.push(token);
    for (const w of this.waiters.filter((w) => this.issued.length >= w.count)) w.resolve();
    return { token, expiresOnTimestamp: Date.now() + this.ttlMs };
  }
  /** Resolves once `count` tokens were issued. */
  issuedAtLeast(count: number): Promise<void> {
    if (this.issued.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

function connections(values: Record<string, string>, credential: TokenCredential): RedisConnections {
  const settings = new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, {});
  const c = new RedisConnections({
    settings,
    logger: silentLogger(),
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
    const credential = new RotatingCredential(2000);
    const redis = connections(identity(), credential);
    const prefix = uniquePrefix('entra');
    const command = await redis.commandClient('Redis');
    expect(await command.aclWhoAmI()).toBe(OID);
    const subscriber = await redis.subscriberClient('Redis');
    const received: string[] = [];
    await subscriber.subscribe(`${prefix}:c`, (m) => received.push(String(m)));
    const blocking = await redis.dedicatedClient('Redis', 'blocking-reader', undefined, 'ListFn');
    const blocked = blocking.sendCommand(['BLPOP', `${prefix}:list`, '0']);
    const idsBefore = await clientIdsOf(OID);
    expect(idsBefore).toHaveLength(3);
    const authsBefore = await authCalls();

    await credential.issuedAtLeast(3); // two rotations; the first tokens' passwords are gone afterwards
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
    expect(await command.ping()).toBe('PONG');
    expect(await clientIdsOf(OID)).toEqual(idsBefore);
    expect(received).toContain('after two rotations');
    // Each of the three connections sent AUTH with each of the two new tokens (the blocked one once released).
    expect((await authCalls()) - authsBefore).toBeGreaterThanOrEqual(6);
    expect(await redis.describe()).toEqual({
      Redis: `localhost:${tlsPort} (TLS), Microsoft Entra ID (DefaultAzureCredential, user ${OID})`,
    });
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
    const credential = new RotatingCredential(60_000);
    const redis = connections(identity({ Redis__principalId: 'not-the-object-id' }), credential);
    const error = await redis.commandClient('Redis').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCodes.ENTRA_REDIS_REFUSED,
      message: expect.stringContaining("user 'not-the-object-id' (setting 'Redis')"),
    });
    expect(String((error as Error).message)).not.toContain(credential.issued[0] ?? 'no token');
  });

  it('refuses incomplete identity settings before connecting', () => {
    const credential = new RotatingCredential(60_000);
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
