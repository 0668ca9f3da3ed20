import type { ConnectionLookup } from './connection-lookup';
import { ConfigError, ErrorCodes } from '../errors';

/** The `<connection>__*` settings of an identity-based (Microsoft Entra ID) connection. */
export interface IdentitySettings {
  /** The section the settings were found under (`Redis`, `AzureWebJobsRedis`, ...). */
  readonly section: string;
  readonly redisHostName: string;
  /** The identity's object (principal) id: the Redis user name, as in the 1.x extension. */
  readonly principalId: string;
  readonly clientId: string | undefined;
  readonly tenantId: string | undefined;
  readonly clientSecret: string | undefined;
  /** `credential`: `managedidentity` or `workloadidentity` (Microsoft.Extensions.Azure's names). */
  readonly credential: string | undefined;
  /** A user-assigned managed identity by client id (wins over `clientId`) or by resource id. */
  readonly managedIdentityClientId: string | undefined;
  readonly managedIdentityResourceId: string | undefined;
  /** Workload identity: the federated token file (else AZURE_FEDERATED_TOKEN_FILE). */
  readonly tokenFilePath: string | undefined;
}

/** How the token is obtained, as shown by `/admin/host/status` and in errors. */
export type IdentityKind =
  'managed identity' | 'workload identity' | 'service principal (client secret)' | 'DefaultAzureCredential';

/** The names under a connection's section that make it an identity-based connection. */
export const IDENTITY_SETTINGS = [
  'redisHostName',
  'principalId',
  'clientId',
  'tenantId',
  'clientSecret',
  'credential',
  'managedIdentityClientId',
  'managedIdentityResourceId',
  'tokenFilePath',
] as const;

/**
 * The identity settings of a lookup, or undefined when it has none. Names compare ignoring case; a
 * connection with identity settings must have `redisHostName` and `principalId` (the 1.x extension's
 * requirement) and a credential it can build.
 */
export function readIdentity(lookup: ConnectionLookup): IdentitySettings | undefined {
  const get = (name: string): string | undefined =>
    lookup.children.find((c) => c.child.toLowerCase() === name.toLowerCase())?.value.trim() || undefined;
  if (!IDENTITY_SETTINGS.some((name) => get(name) !== undefined)) return undefined;
  const section = lookup.section ?? lookup.name;
  const field = (name: string): string => `${section}__${name}`;
  const problem = (name: string, text: string): ConfigError =>
    new ConfigError(
      ErrorCodes.CONNECTION_IDENTITY_INVALID,
      `The identity-based (Microsoft Entra ID) connection '${lookup.name}' ${text}`,
      { field: field(name) },
    );
  const redisHostName = get('redisHostName');
  if (redisHostName === undefined)
    throw problem(
      'redisHostName',
      `has identity settings under '${section}' but no '${field('redisHostName')}' (the cache's host name, e.g. contoso.redis.cache.windows.net).`,
    );
  const principalId = get('principalId');
  if (principalId === undefined)
    throw problem(
      'principalId',
      `needs '${field('principalId')}': the object (principal) id of the identity, which is the Redis user name.`,
    );
  const identity: IdentitySettings = {
    section,
    redisHostName,
    principalId,
    clientId: get('clientId'),
    tenantId: get('tenantId'),
    clientSecret: get('clientSecret'),
    credential: get('credential')?.toLowerCase(),
    managedIdentityClientId: get('managedIdentityClientId'),
    managedIdentityResourceId: get('managedIdentityResourceId'),
    tokenFilePath: get('tokenFilePath'),
  };
  if (identity.credential && !['managedidentity', 'workloadidentity'].includes(identity.credential))
    throw problem(
      'credential',
      `has '${field('credential')}' = '${get('credential') ?? ''}'; redis-func knows 'managedidentity' and 'workloadidentity' (or leave it unset).`,
    );
  if (identity.clientSecret && !(identity.clientId && identity.tenantId))
    throw problem(
      'clientSecret',
      `has '${field('clientSecret')}' but a service principal also needs '${field('clientId')}' and '${field('tenantId')}'.`,
    );
  return identity;
}

/** Which credential the settings choose, in Microsoft.Extensions.Azure's order. */
export function identityKind(identity: IdentitySettings): IdentityKind {
  if (identity.credential === 'managedidentity') return 'managed identity';
  if (identity.credential === 'workloadidentity') return 'workload identity';
  if (identity.clientId && identity.tenantId && identity.clientSecret)
    return 'service principal (client secret)';
  return 'DefaultAzureCredential';
}

/** A description without secrets: `DefaultAzureCredential, user <principalId>`. */
export function describeIdentity(identity: IdentitySettings): string {
  const client = identity.clientId ? `, client ${identity.clientId}` : '';
  return `Microsoft Entra ID (${identityKind(identity)}${client}, user ${identity.principalId})`;
}
