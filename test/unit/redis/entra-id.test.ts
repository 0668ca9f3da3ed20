import {
  ClientSecretCredential,
  CredentialUnavailableError,
  AuthenticationError,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { describeIdentity, identityKind, readIdentity } from '../../../src/config/identity-settings';
import { Settings } from '../../../src/config/settings';
import { ErrorCodes } from '../../../src/errors';
import { createCredential, identityEndpoint, tokenError } from '../../../src/redis/entra-id';

const lookup = (values: Record<string, string>, env: Record<string, string> = {}, name = 'Redis') =>
  new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, env).lookupConnection(name);
const read = (values: Record<string, string>, env: Record<string, string> = {}) => {
  const identity = readIdentity(lookup(values, env));
  if (!identity) throw new Error('no identity settings');
  return identity;
};
const HOST = 'contoso.redis.cache.windows.net';

describe('identity-based connection settings (as the 1.x extension reads them)', () => {
  it('has none for a connection string', () => {
    expect(readIdentity(lookup({ Redis: 'h:6379' }))).toBeUndefined();
  });

  it.each([
    ['system-assigned managed identity', {}, 'DefaultAzureCredential', DefaultAzureCredential],
    [
      'user-assigned managed identity',
      { Redis__clientId: 'cid' },
      'DefaultAzureCredential',
      DefaultAzureCredential,
    ],
    [
      'service principal',
      { Redis__clientId: 'cid', Redis__tenantId: 'tid', Redis__clientSecret: 's3cret' },
      'service principal (client secret)',
      ClientSecretCredential,
    ],
    [
      'credential managedidentity',
      { Redis__credential: 'ManagedIdentity' },
      'managed identity',
      ManagedIdentityCredential,
    ],
    [
      'credential workloadidentity',
      {
        Redis__credential: 'workloadidentity',
        Redis__clientId: 'cid',
        Redis__tenantId: 'tid',
        Redis__tokenFilePath: '/var/run/token',
      },
      'workload identity',
      WorkloadIdentityCredential,
    ],
  ])('%s', (_what, extra, kind, type) => {
    const identity = read({ Redis__redisHostName: HOST, Redis__principalId: 'oid', ...extra });
    expect(identityKind(identity)).toBe(kind);
    expect(createCredential(identity)).toBeInstanceOf(type);
    expect(describeIdentity(identity)).toContain('user oid');
    expect(describeIdentity(identity)).not.toContain('s3cret');
  });

  it('is looked up like every connection: environment (__), AzureWebJobs prefix, names ignoring case', () => {
    const identity = read(
      {},
      { AzureWebJobsRedis__REDISHOSTNAME: HOST, AzureWebJobsRedis__principalid: 'oid' },
    );
    expect(identity).toMatchObject({ section: 'AzureWebJobsRedis', redisHostName: HOST, principalId: 'oid' });
  });

  it.each([
    [{ Redis__redisHostName: HOST }, 'Redis__principalId'],
    [{ Redis__principalId: 'oid' }, 'Redis__redisHostName'],
    [
      { Redis__redisHostName: HOST, Redis__principalId: 'oid', Redis__credential: 'vscode' },
      'Redis__credential',
    ],
    [
      { Redis__redisHostName: HOST, Redis__principalId: 'oid', Redis__clientSecret: 'x' },
      'Redis__clientSecret',
    ],
  ])('refuses incomplete settings %j, naming %s', (values, field) => {
    expect(() => readIdentity(lookup(values))).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_IDENTITY_INVALID, field }),
    );
  });
});

describe('the endpoint of an identity-based connection', () => {
  const endpoint = (redisHostName: string) =>
    identityEndpoint(read({ Redis__redisHostName: redisHostName, Redis__principalId: 'oid' }));

  it('is TLS on 6380 for Azure Cache for Redis, 10000 for Azure Managed Redis, or the port given', () => {
    expect(endpoint(HOST)).toMatchObject({ host: HOST, port: 6380, tls: true });
    expect(endpoint('x.westeurope.redis.azure.net')).toMatchObject({ port: 10000, tls: true });
    expect(endpoint(`${HOST}:6390`)).toMatchObject({ port: 6390, tls: true });
    expect(endpoint('localhost:6379,ssl=False')).toMatchObject({ port: 6379, tls: false });
  });

  it('refuses a password in redisHostName', () => {
    expect(() => endpoint(`${HOST}:6380,password=p`)).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONNECTION_IDENTITY_INVALID,
        field: 'Redis__redisHostName',
      }),
    );
  });
});

describe('token request errors', () => {
  const identity = read({
    Redis__redisHostName: HOST,
    Redis__principalId: 'oid',
    Redis__clientId: 'cid',
    Redis__tenantId: 'tid',
    Redis__clientSecret: 's3cret',
  });

  it('say when no credential was found, and how to sign in locally', () => {
    const error = tokenError(
      'Redis',
      identity,
      new CredentialUnavailableError('Azure CLI could not be found.'),
    );
    expect(error.code).toBe(ErrorCodes.ENTRA_CREDENTIAL_UNAVAILABLE);
    expect(error.message).toMatch(/connection 'Redis'.*Azure CLI could not be found.*az login/s);
  });

  it('say when Entra ID refused the request, never with the secret', () => {
    const refused = new AuthenticationError(401, {
      error: 'invalid_client',
      error_description: 'bad secret',
    });
    const error = tokenError('Redis', identity, refused);
    expect(error.code).toBe(ErrorCodes.ENTRA_TOKEN_REFUSED);
    expect(error.message).toContain('refused the token request');
    expect(error.message).not.toContain('s3cret');
  });
});
