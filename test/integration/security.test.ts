import { readFileSync } from 'node:fs';
import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { ErrorCodes } from '../../src/errors';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { makeCertificates, type TestCertificates } from '../support/tls';

const hosts: HostUnderTest[] = [];
const servers: EmbeddedRedis[] = [];
let certs: TestCertificates;
let tlsPort: number;

const pubsub = (channel: string, handler: (m: { Message: string }) => unknown = () => undefined) => ({
  trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'RedisConnectionString', channel }),
  handler: handler as never,
});

async function host(...args: Parameters<typeof hostOnRedis>): Promise<HostUnderTest> {
  const h = await hostOnRedis(...args);
  hosts.push(h);
  return h;
}

beforeAll(async () => {
  certs = makeCertificates();
  tlsPort = await freePort();
  const tlsArgs = [
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
  ];
  servers.push(await startEmbeddedRedis({ port: tlsPort, args: tlsArgs }));
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.close();
});
afterAll(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('TLS', () => {
  it('connects with ssl=True, verifying the server against the CA named by <setting>__tlsCaFile', async () => {
    const h = await host(
      { secure: pubsub('secure:c') },
      { url: `localhost:${tlsPort},ssl=True`, env: { RedisConnectionString__tlsCaFile: certs.caFile } },
    );
    const publisher = createClient({
      socket: { host: 'localhost', port: tlsPort, tls: true, ca: readFileSync(certs.caFile) },
    });
    await publisher.connect();
    expect(await publisher.publish('secure:c', 'over tls')).toBe(1);
    const [record] = await h.waitForInvocations(1);
    expect(record?.input).toEqual({ Trigger: 'secure:c', Message: 'over tls' });
    publisher.destroy();
  });

  it('also takes rediss:// URLs', async () => {
    const h = await host(
      { secure: pubsub('secure:url') },
      {
        url: `rediss://localhost:${tlsPort}`,
        env: { RedisConnectionString__tlsCaFile: certs.caFile },
      },
    );
    expect(h.host.state).toBe('running');
  });

  it('refuses a server whose certificate does not verify, naming the setting and the fix', async () => {
    const h = await host(
      { secure: pubsub('secure:c') },
      { url: `localhost:${tlsPort},ssl=True`, start: false },
    );
    await expect(h.host.start()).rejects.toMatchObject({
      code: ErrorCodes.REDIS_TLS_FAILED,
      message: expect.stringContaining('RedisConnectionString__tlsCaFile'),
    });
  });

  it('refuses a certificate issued for another name (sslHost)', async () => {
    const h = await host(
      { secure: pubsub('secure:c') },
      {
        url: `127.0.0.1:${tlsPort},ssl=True,sslHost=elsewhere.example`,
        env: { RedisConnectionString__tlsCaFile: certs.caFile },
        start: false,
      },
    );
    await expect(h.host.start()).rejects.toMatchObject({ code: ErrorCodes.REDIS_TLS_FAILED });
  });
});

describe('ACL users and secrets', () => {
  let acl: EmbeddedRedis;
  beforeAll(async () => {
    acl = await startEmbeddedRedis({
      args: ['--user', 'default', 'off', '--user', 'app', 'on', '>Zebra-Secret-42', '~*', '&*', '+@all'],
    });
    servers.push(acl);
  });

  it('connects as an ACL user (user= and URL username) and never logs the password', async () => {
    const h = await host(
      {
        ok: pubsub('acl:c', (m) => {
          if (m.Message === 'fail') throw new Error('failing on purpose');
        }),
      },
      { url: `127.0.0.1:${acl.port},user=app,password=Zebra-Secret-42` },
    );
    const h2 = await host(
      { ok2: pubsub('acl:d') },
      { url: `redis://app:Zebra-Secret-42@127.0.0.1:${acl.port}` },
    );
    const publisher = createClient({ url: `redis://app:Zebra-Secret-42@127.0.0.1:${acl.port}` });
    await publisher.connect();
    await publisher.publish('acl:c', 'fail');
    await publisher.publish('acl:c', 'fine');
    await publisher.publish('acl:d', 'fine');
    await h.waitForInvocations(2);
    await h2.waitForInvocations(1);
    publisher.destroy();
    expect(h.records.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    const everything = JSON.stringify([h.logs, h2.logs, await h.host.options.broker.describe()]);
    expect(everything).not.toContain('Zebra-Secret-42');
  });

  it('reports a wrong password for an ACL user as an auth error without the password', async () => {
    const h = await host(
      { f: pubsub('acl:x') },
      { url: `127.0.0.1:${acl.port},user=app,password=Wrong-Secret-9`, start: false },
    );
    let caught: unknown;
    await h.host.start().catch((error: unknown) => (caught = error));
    expect(caught).toMatchObject({ code: ErrorCodes.REDIS_AUTH_FAILED });
    expect((caught as Error).message).not.toContain('Wrong-Secret-9');
    expect(JSON.stringify(h.logs)).not.toContain('Wrong-Secret-9');
  });
});
