import { ErrorCodes, RedisFuncError } from '../errors';
import type { Logger } from '../logging';
import { connectClient, createRedisClient, type RedisClient } from './client';
import { clientName } from './client-names';
import type { NodeAddress } from './cluster';
import { ClusterRouting, type NodeTarget, type Subscriber } from './cluster-routing';
import {
  openConnection,
  validateConnectionSettings,
  type Connection,
  type SettingsOptions,
} from './connection-settings';
import { describeEndpoint, type RedisEndpoint } from './connection-string';
import { EmbeddedServers } from './embedded-servers';
import { describeIdentity } from '../config/identity-settings';

/** The options of RedisConnections: those about reading settings (SettingsOptions), and these. */
export interface ConnectionsOptions extends SettingsOptions {
  /** Private servers shared with other listener sets; when absent this instance owns (and stops) its own. */
  readonly embeddedServers?: EmbeddedServers;
  /** Called with the setting name whenever one of its connections is re-established. */
  readonly onReconnect?: (settingName: string) => void;
}

/** Who uses a connection setting: every function naming it, and the Pub/Sub triggers among them. */
export type { ConnectionUsers } from './connection-users';
// The types and names of this module's API that live next to the code they belong to.
export { CLIENT_NAME_PREFIX } from './client-names';
export type { NodeTarget, PubSubListener, Subscriber } from './cluster-routing';

/**
 * One shared command client and one Pub/Sub client per connection setting, created on first use;
 * dedicated clients for blocking reads; all of them closed by close(). The only place that turns settings
 * into Redis connections: reading a setting is in connection-settings.ts, and whether its server is a
 * Redis Cluster (and which client serves a key) in cluster-routing.ts.
 */
export class RedisConnections {
  private readonly connections = new Map<string, Promise<Connection>>();
  /** The settings whose connection is made, as `connections` resolved them (read without waiting). */
  private readonly opened = new Map<string, Connection>();
  private readonly embedded: EmbeddedServers;
  private readonly routing: ClusterRouting;
  private closed = false;
  /** Aborted by close(): connection attempts still retrying stop being waited for at once. */
  private readonly closing = new AbortController();

  constructor(private readonly options: ConnectionsOptions) {
    this.embedded = options.embeddedServers ?? new EmbeddedServers(options.logger);
    this.routing = new ClusterRouting({
      logger: options.logger,
      connection: (settingName) => this.connection(settingName),
      shared: (settingName, slot, role) => this.shared(settingName, slot, role),
      commandClientName: (settingName) => this.clientName(settingName, 'command'),
      onReconnect: (settingName) => options.onReconnect?.(settingName),
      assertOpen: () => this.assertOpen(),
    });
  }

  /** The host's logger (for the ports built on these connections). */
  get logger(): Logger {
    return this.options.logger;
  }

  /**
   * Checks every named setting now (default: those of `users`), so a missing or bad connection fails
   * start-up before anything connects. A private redis-server is planned only when nothing is configured.
   */
  validate(settingNames: Iterable<string> = this.options.users?.keys() ?? []): void {
    validateConnectionSettings([...settingNames], this.options);
  }

  /** The CLIENT SETNAME of a connection of the setting (see client-names.ts). */
  clientName(settingName: string, role: 'command' | 'pubsub', functionName?: string): string {
    return clientName(this.options.users?.get(settingName), settingName, role, functionName);
  }

  /** Is the setting's server a Redis Cluster? */
  isCluster(settingName: string): Promise<boolean> {
    return this.routing.isCluster(settingName);
  }

  /** Runs `call` with the client that serves `key` (see {@link ClusterRouting.withKey}). */
  withKey<T>(settingName: string, key: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.routing.withKey(settingName, key, call);
  }

  /** True once the setting's server is known to be standalone (see {@link ClusterRouting.isKnownStandalone}). */
  isKnownStandalone(settingName: string): boolean {
    return this.routing.isKnownStandalone(settingName);
  }

  /** Reads the cluster's slot map again (after a MOVED seen outside {@link withKey}); nothing standalone. */
  refreshSlots(settingName: string): Promise<void> {
    return this.routing.refreshSlots(settingName);
  }

  /** A client for commands without keys (INFO, CONFIG GET, CLIENT ...): the command client or a master's. */
  anyClient(settingName: string): Promise<RedisClient> {
    return this.routing.anyClient(settingName);
  }

  /** The masters of the cluster (the one server otherwise), to reach each (keyspace notifications). */
  masters(settingName: string): Promise<NodeAddress[] | undefined> {
    return this.routing.masters(settingName);
  }

  /** `keys` grouped so each group can be named by one multi-key command (one group unless on a cluster). */
  slotGroups(settingName: string, keys: readonly string[]): string[][] | Promise<string[][]> {
    return this.routing.slotGroups(settingName, keys);
  }

  /** Any command; on a cluster routed by `firstKey` (or to any node without one). */
  sendCommand(settingName: string, args: readonly string[], firstKey?: string): Promise<unknown> {
    return this.routing.sendCommand(settingName, args, firstKey);
  }

  /** The shared command client of a standalone server (a cluster has one per node: use {@link withKey}). */
  commandClient(settingName: string): Promise<RedisClient> {
    return this.shared(settingName, 'command', 'command');
  }

  /** The Pub/Sub connection: a client of its own, or the cluster client (which keeps its own per node). */
  subscriberClient(settingName: string): Promise<Subscriber> {
    return this.routing.subscriberClient(settingName);
  }

  /**
   * A client of its own (blocking commands, keyspace subscriptions on each master); closed with the others.
   * On a cluster it connects to `at`: a key's slot master or a node. Named after `functionName` when given
   * (blocking reads), else as the setting's shared Pub/Sub connection (keyspace subscriptions, CONFIG GET).
   */
  async dedicatedClient(
    settingName: string,
    role: string,
    at?: NodeTarget,
    functionName?: string,
  ): Promise<RedisClient> {
    const connection = await this.connection(settingName);
    const endpoint = await this.routing.endpointFor(connection, settingName, at);
    const name = this.clientName(settingName, functionName ? 'command' : 'pubsub', functionName);
    const client = this.newClient(connection, settingName, role, endpoint, name);
    await this.untilClosed(connectClient(client, settingName, endpoint, connection.entra?.identity));
    return client;
  }

  /** The settings with a connection that was lost and is retrying (open but not ready), or not made yet. */
  reconnecting(): Promise<string[]> {
    const out: string[] = [];
    for (const name of this.connections.keys()) {
      // a setting whose first connection is still being made (retrying) counts too, without waiting for it
      const connection = this.opened.get(name);
      if (!connection || [...connection.clients].some((c) => c.isOpen && !c.isReady)) out.push(name);
    }
    return Promise.resolve(out);
  }

  /** Safe description of each connection in use (no credentials). */
  async describe(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, pending] of this.connections) {
      const connection = await pending;
      const auth = connection.entra ? `, ${describeIdentity(connection.entra.identity)}` : '';
      out[name] = describeEndpoint(connection.endpoint) + auth;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    for (const pending of this.connections.values()) {
      const connection = await pending.catch(() => undefined);
      if (!connection) continue;
      for (const client of connection.clients) if (client.isOpen) client.destroy();
      // A client whose first connection failed may still hold a token subscription: stop refreshing tokens
      // (TokenManager.stop is public in JavaScript, only declared private).
      const tokens = connection.entra?.credentialsProvider.getTokenManager() as { stop(): void } | undefined;
      tokens?.stop();
      await connection.cluster?.catch(() => undefined);
    }
    if (!this.options.embeddedServers) await this.embedded.stopAll();
  }

  private async shared(
    settingName: string,
    slot: 'command' | 'subscriber',
    role: string,
  ): Promise<RedisClient> {
    const connection = await this.connection(settingName);
    const existing = connection[slot];
    if (existing) return existing;
    const name = this.clientName(settingName, slot === 'subscriber' ? 'pubsub' : 'command');
    const client = this.newClient(connection, settingName, role, connection.endpoint, name);
    const connecting = connectClient(client, settingName, connection.endpoint, connection.entra?.identity);
    const ready = this.untilClosed(connecting).then(() => client);
    connection[slot] = ready;
    return ready;
  }

  /**
   * `connecting`, or a rejection as soon as close() is called: node-redis ends a connection attempt that
   * is retrying only after its backoff delay, and shutting down must not wait for that.
   */
  private untilClosed<T>(connecting: Promise<T>): Promise<T> {
    const { signal } = this.closing;
    if (signal.aborted) {
      connecting.catch(() => undefined);
      return Promise.reject(closedError());
    }
    return new Promise<T>((resolve, reject) => {
      const onClose = (): void => reject(closedError());
      signal.addEventListener('abort', onClose, { once: true });
      connecting.then(
        (value) => {
          signal.removeEventListener('abort', onClose);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onClose);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what was thrown, as thrown
          reject(error);
        },
      );
    });
  }

  private newClient(
    connection: Connection,
    settingName: string,
    role: string,
    endpoint: RedisEndpoint,
    clientName: string,
  ): RedisClient {
    this.assertOpen();
    const client = createRedisClient({
      ca: connection.ca,
      onReconnect: () => this.options.onReconnect?.(settingName),
      endpoint,
      settingName,
      role,
      clientName,
      logger: this.options.logger,
      ...(connection.entra ? { entra: connection.entra } : {}),
    });
    connection.clients.add(client);
    return client;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  private connection(settingName: string): Promise<Connection> {
    let pending = this.connections.get(settingName);
    if (!pending) {
      pending = openConnection(settingName, this.options, this.embedded);
      this.connections.set(settingName, pending);
      pending.then((made) => this.opened.set(settingName, made)).catch(() => undefined);
    }
    return pending;
  }
}

function closedError(): RedisFuncError {
  return new RedisFuncError(ErrorCodes.HOST_STATE, 'The Redis connections are closed.');
}
