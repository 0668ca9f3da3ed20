// @azure/identity and @redis/entraid are loaded only for an identity-based connection (they take ~0.4 s).
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { EntraidCredentialsProvider } from '@redis/entraid';
import { identityKind, type IdentitySettings } from '../config/identity-settings';
import { ConfigError, ConnectionError, ErrorCodes, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { parseConnectionString, type RedisEndpoint } from './connection-string';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, not at start-up */
const loadIdentity = (): typeof import('@azure/identity') =>
  require('@azure/identity') as typeof import('@azure/identity');
const loadEntraid = (): typeof import('@redis/entraid') =>
  require('@redis/entraid') as typeof import('@redis/entraid');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Makes the TokenCredential of a connection (tests inject one that mints tokens locally). */
export type CredentialFactory = (settingName: string, identity: IdentitySettings) => TokenCredential;

/** A token is refreshed when this share of its lifetime has passed (a 60 min token after 48 min). */
const REFRESH_RATIO = 0.8;

/** node-redis's streaming credentials provider for Entra ID tokens. */
export type EntraCredentialsProvider = EntraidCredentialsProvider;

/**
 * The cache's endpoint: `redisHostName` may carry a port and StackExchange options; TLS unless it says
 * `ssl=False`; without a port 6380 (Azure Cache for Redis), or 10000 for Azure Managed Redis (`*.redis.azure.net`).
 */
export function identityEndpoint(identity: IdentitySettings): RedisEndpoint {
  const field = `${identity.section}__redisHostName`;
  let text = identity.redisHostName;
  const [first = '', ...options] = text.split(',');
  if (!/^\[.*\]:\d+$|^[^:]+:\d+$/.test(first.trim()) && /\.redis\.azure\.net$/i.test(first.trim()))
    text = [`${first.trim()}:10000`, ...options].join(',');
  if (!options.some((o) => /^\s*ssl\s*=/i.test(o))) text += ',ssl=True';
  const endpoint = parseConnectionString(text, field);
  if (endpoint.password !== undefined || endpoint.username !== undefined)
    throw new ConfigError(
      ErrorCodes.CONNECTION_IDENTITY_INVALID,
      `'${field}' carries a user or password; an identity-based connection authenticates with a token as ` +
        `'${identity.section}__principalId': remove them, or use a connection string instead.`,
      { field },
    );
  return endpoint;
}

/** The credential the settings choose (see {@link identityKind}). */
export function createCredential(identity: IdentitySettings): TokenCredential {
  const {
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
  } = loadIdentity();
  const { clientId, tenantId, clientSecret, tokenFilePath } = identity;
  const miClientId = identity.managedIdentityClientId ?? clientId;
  const resourceId = identity.managedIdentityResourceId;
  switch (identityKind(identity)) {
    case 'managed identity':
      if (resourceId) return new ManagedIdentityCredential({ resourceId });
      return miClientId
        ? new ManagedIdentityCredential({ clientId: miClientId })
        : new ManagedIdentityCredential();
    case 'workload identity':
      return new WorkloadIdentityCredential({
        ...(clientId ? { clientId } : {}),
        ...(tenantId ? { tenantId } : {}),
        ...(tokenFilePath ? { tokenFilePath } : {}),
      });
    case 'service principal (client secret)':
      return new ClientSecretCredential(tenantId ?? '', clientId ?? '', clientSecret ?? '');
    case 'DefaultAzureCredential':
      return new DefaultAzureCredential({
        ...(resourceId
          ? { managedIdentityResourceId: resourceId }
          : miClientId
            ? { managedIdentityClientId: miClientId }
            : {}),
        ...(tenantId ? { tenantId } : {}),
      });
  }
}

/** The error of a token request, naming the setting and the cause, never a token or secret. */
export function tokenError(settingName: string, identity: IdentitySettings, cause: unknown): ConnectionError {
  const who = `connection '${settingName}' (${identityKind(identity)}, user ${identity.principalId})`;
  const why = oneParagraph(errorMessage(cause));
  const name = (cause as Error | null)?.name;
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError')
    return new ConnectionError(
      ErrorCodes.ENTRA_CREDENTIAL_UNAVAILABLE,
      `No Microsoft Entra ID credential was found for the ${who}: ${why} Locally, sign in with ` +
        `'az login' (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or the connection's ` +
        `clientId, tenantId and clientSecret settings); in Azure, give the app the managed identity.`,
      cause,
    );
  const refused = name === 'AuthenticationError';
  return new ConnectionError(
    ErrorCodes.ENTRA_TOKEN_REFUSED,
    `${refused ? 'Microsoft Entra ID refused the token request' : 'The token request failed'} for the ${who}: ` +
      `${why} Check the identity settings under '${identity.section}' (client id, tenant id, secret).`,
    cause,
  );
}

/** An error text on one line (a credential chain lists one failure per line). */
function oneParagraph(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Redis refused the token: the user (object id) is not given access to the cache. */
export function tokenRefusedByRedis(
  settingName: string,
  identity: IdentitySettings,
  where: string,
  cause: unknown,
): ConnectionError {
  return new ConnectionError(
    ErrorCodes.ENTRA_REDIS_REFUSED,
    `${where} refused the Microsoft Entra ID token of user '${identity.principalId}' (setting '${settingName}'): ` +
      `${errorMessage(cause)}. Check that '${identity.section}__principalId' is the object (principal) id of the ` +
      `identity the token is for, and that the cache gives it a data access policy (Data Access Configuration).`,
    cause,
  );
}

/**
 * A node-redis streaming credentials provider for one connection setting, shared by all its clients:
 * the first client gets a token; at 80% of its lifetime a new one is fetched and every client of the
 * setting sends AUTH on its open connection (Pub/Sub and blocked reads included, RESP3). A failed refresh
 * is logged and retried with backoff for as long as the host runs; the connections keep the old token.
 */
export function createEntraCredentialsProvider(options: {
  readonly settingName: string;
  readonly identity: IdentitySettings;
  readonly credential: TokenCredential;
  readonly logger: Logger;
}): EntraCredentialsProvider {
  const { EntraIdCredentialsProviderFactory, REDIS_SCOPE_DEFAULT } = loadEntraid();
  const { settingName, identity, logger } = options;
  const credential: TokenCredential = {
    getToken: async (scopes, getTokenOptions): Promise<AccessToken> => {
      let token: AccessToken | null;
      try {
        token = await options.credential.getToken(scopes, getTokenOptions);
      } catch (error) {
        throw tokenError(settingName, identity, error);
      }
      if (!token) throw tokenError(settingName, identity, new Error('the credential returned no token.'));
      logger.debug(
        { setting: settingName, expiresInMs: token.expiresOnTimestamp - Date.now() },
        `Got a Microsoft Entra ID token for connection '${settingName}'`,
      );
      return token;
    },
  };
  return EntraIdCredentialsProviderFactory.createForDefaultAzureCredential({
    credential,
    scopes: REDIS_SCOPE_DEFAULT,
    // The 1.x extension authenticates as principalId (not the token's oid claim, node-redis's default).
    credentialsMapper: (token) => ({
      username: identity.principalId,
      password: 'token' in token ? token.token : token.accessToken,
    }),
    tokenManagerConfig: {
      expirationRefreshRatio: REFRESH_RATIO,
      retry: {
        maxAttempts: Number.POSITIVE_INFINITY,
        initialDelayMs: 500,
        maxDelayMs: 30_000,
        backoffMultiplier: 2,
        jitterPercentage: 20,
        isRetryable: () => true,
      },
    },
    onRetryableError: (message: string) =>
      logger.warn(
        { setting: settingName },
        `Refreshing the Microsoft Entra ID token of connection '${settingName}' failed; retrying (the ` +
          `connections keep the current token until it expires): ${message}`,
      ),
    onReAuthenticationError: (error: Error) =>
      logger.error(
        { setting: settingName, err: errorMessage(error) },
        `A connection of '${settingName}' could not re-authenticate with the new Microsoft Entra ID token ` +
          `(user '${identity.principalId}'): ${errorMessage(error)}`,
      ),
  });
}
