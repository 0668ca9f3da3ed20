import { ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { clusterDatabaseError, permanentFailure, reconnectDelay, type RedisClient } from './client';
import {
  createRedisCluster,
  groupBySlot,
  isClusterServer,
  isRedirect,
  slotOf,
  type NodeAddress,
  type RedisCluster,
} from './cluster';
import type { Connection } from './connection-settings';
import { describeEndpoint, type RedisEndpoint } from './connection-string';
import { FailureReports } from './failure-reports';

/**
 * What a Pub/Sub port needs, the same on a standalone client and on a cluster client. Listeners are
 * subscribed in buffer mode (`true`): they get the message and its channel as node-redis decoded them,
 * Buffers (see pubsub-text.ts).
 */
export interface Subscriber {
  readonly isReady: boolean;
  subscribe(channels: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  unsubscribe(channels: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  pSubscribe(patterns: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  pUnsubscribe(patterns: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  sSubscribe(channels: string, listener: PubSubListener, bufferMode: true): Promise<void>;
  sUnsubscribe(channels: string, listener: PubSubListener, bufferMode: true): Promise<void>;
}

/**
 * A Pub/Sub listener. Subscribed in buffer mode it gets Buffers (an array or null on
 * `__redis__:invalidate`); it takes strings too so that the cluster client's unsubscribe signatures fit.
 */
export type PubSubListener = (message: string | Buffer, channel: string | Buffer) => void;

/** Where a dedicated client connects on a cluster: the master of a key's slot, or a given node. */
export type NodeTarget = { readonly key: string } | { readonly node: NodeAddress };

/** What the routing needs from the connections that own the clients (RedisConnections). */
export interface ConnectionSource {
  readonly logger: Logger;
  /** The opened connection of a setting. */
  connection(settingName: string): Promise<Connection>;
  /** The setting's shared command or Pub/Sub client, connected. */
  shared(settingName: string, slot: 'command' | 'subscriber', role: string): Promise<RedisClient>;
  /** The CLIENT SETNAME of the setting's shared command connection. */
  commandClientName(settingName: string): string;
  /** Called when a connection of the setting is re-established. */
  onReconnect(settingName: string): void;
  /** Throws once the connections are closed. */
  assertOpen(): void;
}

const MAX_REDIRECTS = 3;

/**
 * Whether each setting's server is standalone or a Redis Cluster, and which client serves a key.
 *
 * A setting that points at a Redis Cluster (the server says `cluster_enabled:1`, or the app setting
 * `<setting>__cluster` is `true`) gets one node-redis cluster client instead of the shared command client:
 * keyed commands run on the node client of the key's slot master ({@link withKey}, which follows a MOVED
 * after refreshing the slot map), keyless ones on any master, Pub/Sub through the cluster client, and
 * dedicated clients connect to the master of a key's slot.
 */
export class ClusterRouting {
  /** The command client of each setting whose server is known to be standalone (see isKnownStandalone). */
  private readonly standalone = new Map<string, RedisClient>();

  constructor(private readonly source: ConnectionSource) {}

  /** Is the setting's server a Redis Cluster? */
  async isCluster(settingName: string): Promise<boolean> {
    const connection = await this.source.connection(settingName);
    return (await this.mode(connection, settingName)) === 'cluster';
  }

  /**
   * Runs `call` with the client that serves `key`: the shared command client, or on a cluster the node client
   * of the slot's master. A MOVED or ASK reply refreshes the slot map and runs `call` again on the new owner.
   */
  withKey<T>(settingName: string, key: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    const standalone = this.standalone.get(settingName);
    if (!standalone) return this.routeByKey(settingName, key, call);
    try {
      return call(standalone); // at once: the command is queued before this returns
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what was thrown, as thrown
      return Promise.reject(error);
    }
  }

  private async routeByKey<T>(
    settingName: string,
    key: string,
    call: (client: RedisClient) => Promise<T>,
  ): Promise<T> {
    const cluster = await this.clusterOf(settingName);
    if (!cluster) {
      const client = await this.source.shared(settingName, 'command', 'command');
      this.standalone.set(settingName, client);
      return call(client);
    }
    for (let attempt = 0; ; attempt++) {
      const client = await cluster.getNodeClientForKey(key);
      try {
        return await call(client);
      } catch (error) {
        if (!isRedirect(error) || attempt >= MAX_REDIRECTS) throw error;
        await cluster._slots.rediscover(client);
      }
    }
  }

  /**
   * True once the setting's server is known to be standalone and its command client made: {@link withKey}
   * and {@link slotGroups} then answer at once, so a command is queued before the call returns.
   */
  isKnownStandalone(settingName: string): boolean {
    return this.standalone.has(settingName);
  }

  /** Reads the cluster's slot map again (after a MOVED seen outside {@link withKey}); nothing standalone. */
  async refreshSlots(settingName: string): Promise<void> {
    await (await this.clusterOf(settingName))?._slots.rediscover();
  }

  /** A client for commands without keys (INFO, CONFIG GET, CLIENT ...): the command client or a master's. */
  async anyClient(settingName: string): Promise<RedisClient> {
    const cluster = await this.clusterOf(settingName);
    if (!cluster) return this.source.shared(settingName, 'command', 'command');
    const master = cluster.masters[0];
    if (!master)
      throw new RedisFuncError(ErrorCodes.HOST_STATE, `The cluster of '${settingName}' has no master.`);
    return cluster.nodeClient(master);
  }

  /** The masters of the cluster (the one server otherwise), to reach each (keyspace notifications). */
  async masters(settingName: string): Promise<NodeAddress[] | undefined> {
    const cluster = await this.clusterOf(settingName);
    return cluster?.masters.map((m) => ({ host: m.host, port: m.port }));
  }

  /** `keys` grouped so each group can be named by one multi-key command (one group unless on a cluster). */
  slotGroups(settingName: string, keys: readonly string[]): string[][] | Promise<string[][]> {
    if (this.standalone.has(settingName)) return [[...keys]]; // at once (see isKnownStandalone)
    return this.isCluster(settingName).then((cluster) => (cluster ? groupBySlot(keys) : [[...keys]]));
  }

  /** Any command; on a cluster routed by `firstKey` (or to any node without one). */
  async sendCommand(settingName: string, args: readonly string[], firstKey?: string): Promise<unknown> {
    const cluster = await this.clusterOf(settingName);
    if (!cluster) return (await this.source.shared(settingName, 'command', 'command')).sendCommand([...args]);
    return cluster.sendCommand(firstKey, false, [...args]);
  }

  /** The Pub/Sub connection: a client of its own, or the cluster client (which keeps its own per node). */
  async subscriberClient(settingName: string): Promise<Subscriber> {
    const cluster = await this.clusterOf(settingName);
    return cluster ?? this.source.shared(settingName, 'subscriber', 'pubsub');
  }

  /** Where a dedicated client of `connection` connects: on a cluster the node `at` names, else its endpoint. */
  async endpointFor(connection: Connection, settingName: string, at?: NodeTarget): Promise<RedisEndpoint> {
    const cluster = await this.clusterOf(settingName);
    if (!cluster || !at) return connection.endpoint;
    const node = 'node' in at ? at.node : cluster.slots[slotOf(at.key)]?.master;
    return node ? { ...connection.endpoint, host: node.host, port: node.port } : connection.endpoint;
  }

  /** The cluster client when the setting's server is a cluster; undefined for a standalone server. */
  private async clusterOf(settingName: string): Promise<RedisCluster | undefined> {
    const connection = await this.source.connection(settingName);
    if ((await this.mode(connection, settingName)) === 'standalone') return undefined;
    connection.cluster ??= this.connectCluster(connection, settingName);
    return connection.cluster;
  }

  private mode(connection: Connection, settingName: string): Promise<'standalone' | 'cluster'> {
    connection.mode ??= this.detectMode(connection, settingName);
    return connection.mode;
  }

  /** Asks the server (through the shared command client, which a standalone server then keeps using). */
  private async detectMode(connection: Connection, settingName: string): Promise<'standalone' | 'cluster'> {
    if (connection.clusterSetting !== undefined) return connection.clusterSetting ? 'cluster' : 'standalone';
    const probe = await this.source.shared(settingName, 'command', 'command');
    const cluster = await isClusterServer(probe).catch(() => false); // INFO refused: treat as standalone
    if (!cluster) return 'standalone';
    connection.command = undefined;
    connection.clients.delete(probe);
    probe.destroy();
    return 'cluster';
  }

  /** Connects the cluster client, retrying discovery with backoff until it works or the host closes. */
  private async connectCluster(connection: Connection, settingName: string): Promise<RedisCluster> {
    if (connection.endpoint.database !== 0)
      throw clusterDatabaseError(settingName, connection.endpoint.database);
    const cluster = createRedisCluster({
      endpoint: connection.endpoint,
      settingName,
      logger: this.source.logger,
      ca: connection.ca,
      onReconnect: () => this.source.onReconnect(settingName),
      clientName: this.source.commandClientName(settingName),
      ...(connection.entra ? { entra: connection.entra } : {}),
    });
    connection.clients.add(cluster);
    const reports = new FailureReports();
    for (let attempt = 0; ; attempt++) {
      this.source.assertOpen();
      try {
        await cluster.connect();
        this.source.logger.info(
          `Connection '${settingName}' is a Redis Cluster with ${cluster.masters.length} masters`,
        );
        return cluster;
      } catch (error) {
        const failure = permanentFailure(error, connection.endpoint, settingName, connection.entra?.identity);
        if (failure) throw failure;
        this.reportUnreachable(connection, settingName, error, reports);
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
      }
    }
  }

  /** Logs a failed discovery of the cluster, when `reports` says it is time to say so. */
  private reportUnreachable(
    connection: Connection,
    settingName: string,
    error: unknown,
    reports: FailureReports,
  ): void {
    const report = reports.failed();
    if (!report) return;
    this.source.logger.warn(
      { err: errorMessage(error), setting: settingName, failingForMs: report.failingForMs },
      `Redis Cluster of '${settingName}' (${describeEndpoint(connection.endpoint)}) cannot be reached` +
        `${report.first ? '' : ` after ${Math.round(report.failingForMs / 1000)}s`}; retrying`,
    );
  }
}
