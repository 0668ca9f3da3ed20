import { createClient, type RedisClientType } from 'redis';
import { ConnectionError, ErrorCodes, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { describeEndpoint, type RedisEndpoint } from './connection-string';

/** node-redis client with the default modules, RESP3 (node-redis 6's default). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type RedisClient = RedisClientType<{}, {}, {}, 3, {}>;

const MAX_BACKOFF_MS = 5000;

/** Auth failures never get better by retrying: they end the connection attempt with a clear error. */
export function isAuthError(error: unknown): boolean {
  const text = errorMessage(error);
  return /WRONGPASS|NOAUTH|invalid password|invalid username-password|NOPERM/i.test(text);
}

/** Exponential backoff with jitter, capped at 5 s; an auth error stops reconnecting. */
export function reconnectDelay(retries: number, cause: unknown): number | Error {
  if (isAuthError(cause)) return cause instanceof Error ? cause : new Error(String(cause));
  const base = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(retries, 10));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export interface ClientOptions {
  readonly endpoint: RedisEndpoint;
  readonly settingName: string;
  readonly role: string;
  readonly logger: Logger;
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
  // StackExchange's abortConnect=true: a first connection that fails ends start-up instead of retrying.
  const reconnectStrategy = (retries: number, cause: unknown): number | Error =>
    endpoint.abortConnect && !everReady
      ? new ConnectionError(
          ErrorCodes.REDIS_UNREACHABLE,
          `Cannot connect to Redis at ${describeEndpoint(endpoint)} (setting '${options.settingName}'): ` +
            `${errorMessage(cause)}. The connection string says abortConnect=True, so the host stops instead of retrying.`,
          cause,
        )
      : reconnectDelay(retries, cause);
  const client = createClient({
    socket: {
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.tls ? { tls: true as const, servername: endpoint.servername ?? endpoint.host } : {}),
      connectTimeout: endpoint.connectTimeoutMs ?? 10_000,
      reconnectStrategy,
    },
    username: endpoint.username,
    password: endpoint.password,
    database: endpoint.database,
    commandOptions: { timeout: 0 },
  });
  let failing = false;
  client.on('error', (error: unknown) => {
    if (endpoint.abortConnect && !everReady) return; // start-up fails with its own error
    if (!failing) logger.warn({ err: errorMessage(error) }, `Redis connection ${where} failed; retrying`);
    failing = true;
  });
  client.on('ready', () => {
    everReady = true;
    if (failing) logger.info(`Redis connection ${where} is back`);
    failing = false;
  });
  return client;
}

/** Connects, turning an auth failure into a user error that names the setting. */
export async function connectClient(
  client: RedisClient,
  settingName: string,
  endpoint: RedisEndpoint,
): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    // node-redis wraps what the reconnect strategy returned in a ReconnectStrategyError.
    const original = (error as { originalError?: unknown }).originalError;
    if (original instanceof ConnectionError) throw original;
    if (isAuthError(error)) {
      throw new ConnectionError(
        ErrorCodes.REDIS_AUTH_FAILED,
        `Redis at ${describeEndpoint(endpoint)} (setting '${settingName}') refused the credentials: ` +
          `${errorMessage(error)}. Check the password (and user) in that connection string.`,
        error,
      );
    }
    throw error;
  }
}
