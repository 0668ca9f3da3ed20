import calculateSlot from 'cluster-key-slot';
import { createCluster, type RedisClusterType } from 'redis';
import { ConfigError, ErrorCodes, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { connectionOptions, reconnectDelay, type EntraAuth, type RedisClient } from './client';
import { describeEndpoint, type RedisEndpoint } from './connection-string';

/** node-redis cluster client with the same modules and RESP as {@link RedisClient}. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type RedisCluster = RedisClusterType<{}, {}, {}, 3, {}>;

/** `host:port` of one node of a cluster. */
/** `host:port`, a node's id in logs and maps. */
export const nodeId = (node: NodeAddress): string => `${node.host}:${node.port}`;

export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Does this server run in cluster mode? (`INFO cluster` says `cluster_enabled:1`.) */
export async function isClusterServer(client: RedisClient): Promise<boolean> {
  const info = await client.info('cluster');
  return /cluster_enabled:1/.test(info);
}

/** The value of a `<setting>__cluster` app setting: true, false or undefined (ask the server). */
export function parseClusterSetting(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ConfigError(
    ErrorCodes.CONNECTION_STRING_INVALID,
    `App setting '${field}' is '${value}'; it must be true or false (or unset: ask the server).`,
    { field },
  );
}

export function slotOf(key: string): number {
  return calculateSlot(key);
}

/**
 * Keys grouped by hash slot, groups in the order their first key appears and keys in their order within a
 * group: multi-key commands (LMPOP, XREADGROUP) can only name keys of one slot on a cluster.
 */
export function groupBySlot(keys: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = slotOf(key);
    const group = groups.get(slot);
    if (group) group.push(key);
    else groups.set(slot, [key]);
  }
  return [...groups.values()];
}

/** A MOVED or ASK reply: the slot is served by another node (resharding, failover). */
export function isRedirect(error: unknown): boolean {
  return /(^|\s)(MOVED|ASK) \d+ /.test(errorMessage(error));
}

export interface ClusterOptions {
  readonly endpoint: RedisEndpoint;
  readonly settingName: string;
  readonly logger: Logger;
  readonly ca?: string;
  readonly onReconnect?: () => void;
  /** CLIENT SETNAME of every node connection. */
  readonly clientName?: string;
  /** Identity-based connection: every node connection authenticates with the shared token provider. */
  readonly entra?: EntraAuth;
}

/**
 * A node-redis cluster client seeded with the endpoint. Every node connection gets the endpoint's TLS,
 * credentials and reconnect backoff; node failures are logged once per outage and retried.
 */
export function createRedisCluster(options: ClusterOptions): RedisCluster {
  const { endpoint, logger } = options;
  const base = connectionOptions(
    endpoint,
    options.ca,
    (retries) => reconnectDelay(retries),
    options.clientName,
    options.entra,
  );
  const cluster = createCluster({
    rootNodes: [{ socket: { host: endpoint.host, port: endpoint.port } }],
    defaults: base,
    RESP: 3,
    commandOptions: { timeout: 0 },
  }) as unknown as RedisCluster;
  const failing = new Set<string>();
  const where = (node: NodeAddress): string =>
    `${options.settingName} (cluster node ${describeEndpoint({ ...endpoint, host: node.host, port: node.port })})`;
  cluster.on('node-error', (error: unknown, node: NodeAddress) => {
    const id = nodeId(node);
    if (failing.has(id)) return;
    failing.add(id);
    logger.warn({ err: errorMessage(error) }, `Redis connection ${where(node)} failed; retrying`);
  });
  cluster.on('node-ready', (node: NodeAddress) => {
    if (!failing.delete(nodeId(node))) return;
    logger.info(`Redis connection ${where(node)} is back`);
    options.onReconnect?.();
  });
  return cluster;
}
