import { createClient, type RedisClientType } from 'redis';
import { ConnectionError, ErrorCodes, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { describeEndpoint, type RedisEndpoint } from './connection-string';
import type { IdentitySettings } from '../config/identity-settings';
import { tokenRefusedByRedis, type EntraCredentialsProvider } from './entra-id';
import { FailureReports } from './failure-reports';

/** node-redis client with the default modules, RESP3 (node-redis 6's default). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type RedisClient = RedisClientType<{}, {}, {}, 3, {}>;

const MAX_BACKOFF_MS = 5000;

/** Auth failures never get better by retrying: they end the connection attempt with a clear error. */
export function isAuthError(error: unknown): boolean {
  const text = errorMessage(error);
  return /WRONGPASS|NOAUTH|invalid password|invalid username-password|NOPERM/i.test(text);
}

const TLS_ERROR_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
]);

/** A server certificate that does not verify will not verify on the next attempt either. */
export function isTlsVerificationError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_ERROR_CODES.has(code);
}

/**
 * Failures that retrying cannot fix end start-up with a user error naming the setting: refused
 * credentials, a database on a Redis Cluster, a server certificate that does not verify, and (with abortConnect=True) any failure of the
 * first connection. Once connected, every failure is logged and retried (a password may be fixed).
 */
export function permanentFailure(
  cause: unknown,
  endpoint: RedisEndpoint,
  settingName: string,
  identity?: IdentitySettings,
): ConnectionError | undefined {
  const where = `Redis at ${describeEndpoint(endpoint)} (setting '${settingName}')`;
  const tokenFailure = [cause, (cause as { cause?: unknown } | null)?.cause].find(
    (e) => e instanceof ConnectionError,
  );
  if (tokenFailure instanceof ConnectionError) return tokenFailure; // no credential, token refused
  if (identity && isAuthError(cause))
    return tokenRefusedByRedis(settingName, identity, `Redis at ${describeEndpoint(endpoint)}`, cause);
  if (isAuthError(cause)) {
    return new ConnectionError(
      ErrorCodes.REDIS_AUTH_FAILED,
      `${where} refused the credentials: ${errorMessage(cause)}. Check the password (and user) in that connection string.`,
      cause,
    );
  }
  if (/SELECT is not allowed in cluster mode/i.test(errorMessage(cause))) {
    return clusterDatabaseError(settingName, endpoint.database, cause);
  }
  if (isTlsVerificationError(cause)) {
    return new ConnectionError(
      ErrorCodes.REDIS_TLS_FAILED,
      `${where}: the server's TLS certificate does not verify (${errorMessage(cause)}). For a self-signed ` +
        `certificate, set the app setting '${settingName}__tlsCaFile' to the CA file; check sslHost if the name differs.`,
      cause,
    );
  }
  if (endpoint.abortConnect) {
    return new ConnectionError(
      ErrorCodes.REDIS_UNREACHABLE,
      `Cannot connect to ${where}: ${errorMessage(cause)}. The connection string says abortConnect=True, so the ` +
        `host stops instead of retrying.`,
      cause,
    );
  }
  return undefined;
}

/** A connection string naming a database other than 0 for a Redis Cluster, which has only database 0. */
export function clusterDatabaseError(
  settingName: string,
  database: number,
  cause?: unknown,
): ConnectionError {
  return new ConnectionError(
    ErrorCodes.CONNECTION_STRING_INVALID,
    `The connection setting '${settingName}' names database ${database}, but its server is a Redis Cluster, ` +
      `which only has database 0: remove the database from the connection string.`,
    cause,
  );
}

/** Exponential backoff with jitter, capped at 5 s. */
export function reconnectDelay(retries: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(retries, 10));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export interface ClientOptions {
  readonly endpoint: RedisEndpoint;
  readonly settingName: string;
  readonly role: string;
  /** CLIENT SETNAME, sent at every (re)connect: who is connected, as CLIENT LIST shows it. */
  readonly clientName?: string;
  readonly logger: Logger;
  /** PEM CA certificates to trust for TLS (self-signed servers). */
  readonly ca?: string;
  /** Called when a connection that had failed is ready again. */
  readonly onReconnect?: () => void;
  /** For an identity-based connection: its settings and the token provider all its clients share. */
  readonly entra?: EntraAuth;
}

/** How an identity-based (Microsoft Entra ID) connection authenticates. */
export interface EntraAuth {
  readonly identity: IdentitySettings;
  readonly credentialsProvider: EntraCredentialsProvider;
}

/**
 * Creates a node-redis client for an endpoint. The default 5 s command timeout is turned off: it costs
 * throughput and a stalled server is better handled by the reconnect logic. Errors are logged (not thrown)
 * and the client reconnects with backoff; subscriptions are replayed by node-redis after a reconnect.
 */
export function createRedisClient(options: ClientOptions): RedisClient {
  const { endpoint, logger } = options;
  const where = `${options.settingName} (${describeEndpoint(endpoint)}, ${options.role})`;
  let everReady = false;
  const atStartUp = (cause: unknown): ConnectionError | undefined =>
    everReady ? undefined : permanentFailure(cause, endpoint, options.settingName, options.entra?.identity);
  const reconnectStrategy = (retries: number, cause: unknown): number | Error =>
    atStartUp(cause) ?? reconnectDelay(retries);
  const client = createClient({
    ...connectionOptions(endpoint, options.ca, reconnectStrategy, options.clientName, options.entra),
    database: endpoint.database,
  });
  const reports = new FailureReports();
  const fields = {
    setting: options.settingName,
    endpoint: describeEndpoint(endpoint),
    role: options.role,
  };
  client.on('error', (error: unknown) => {
    if (atStartUp(error)) return; // start-up fails with its own error
    const report = reports.failed();
    if (!report) return;
    const err = errorMessage(error);
    if (report.first && everReady && options.role === 'pubsub') {
      // Pub/Sub keeps nothing: say loudly that messages are being lost, and the usual cause.
      logger.error(
        { ...fields, err },
        `Pub/Sub connection ${where} was lost; messages published until it is back are lost (Pub/Sub is ` +
          `at-most-once). Resubscribing. If this repeats, Redis may be cutting off a slow subscriber ` +
          `(client-output-buffer-limit pubsub).`,
      );
    } else if (report.first) {
      logger.warn({ ...fields, err }, `Redis connection ${where} failed; retrying`);
    } else {
      const seconds = Math.round(report.failingForMs / 1000);
      logger.warn(
        { ...fields, err, failingForMs: report.failingForMs },
        `${everReady ? 'Still reconnecting to' : 'Still waiting for'} Redis at ${fields.endpoint} (setting ` +
          `'${options.settingName}', ${options.role} connection) after ${seconds}s; last error: ${err}. ` +
          `Retrying; check that Redis runs there and that the setting names it.`,
      );
    }
  });
  client.on('ready', () => {
    everReady = true;
    if (reports.recovered() !== undefined) {
      logger.info(`Redis connection ${where} is back`);
      options.onReconnect?.();
    }
  });
  return client;
}

/**
 * What every connection to an endpoint shares (a standalone client, or each node client of a cluster):
 * socket and TLS, credentials, RESP3, no command timeout, and the client name.
 */
export function connectionOptions(
  endpoint: RedisEndpoint,
  ca: string | undefined,
  reconnectStrategy: (retries: number, cause: unknown) => number | Error,
  clientName?: string,
  entra?: EntraAuth,
) {
  return {
    ...(clientName === undefined ? {} : { name: clientName }),
    socket: {
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.tls
        ? {
            tls: true as const,
            servername: endpoint.servername ?? endpoint.host,
            ...(ca ? { ca } : {}),
          }
        : {}),
      connectTimeout: endpoint.connectTimeoutMs ?? 10_000,
      reconnectStrategy,
    },
    // A token provider, or the connection string's user and password.
    ...(entra
      ? { credentialsProvider: entra.credentialsProvider }
      : { username: endpoint.username, password: endpoint.password }),
    RESP: 3 as const,
    commandOptions: { timeout: 0 },
  };
}

/** Connects, turning an auth failure into a user error that names the setting. */
export async function connectClient(
  client: RedisClient,
  settingName: string,
  endpoint: RedisEndpoint,
  identity?: IdentitySettings,
): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    // node-redis wraps what the reconnect strategy returned in a ReconnectStrategyError.
    const original = (error as { originalError?: unknown }).originalError;
    if (original instanceof ConnectionError) throw original;
    throw permanentFailure(error, endpoint, settingName, identity) ?? error;
  }
}
