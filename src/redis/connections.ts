import { readFileSync } from 'node:fs';
import { ConfigError, ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import { planConnections } from '../config/connection-check';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging';
import {
  clusterDatabaseError,
  connectClient,
  createRedisClient,
  permanentFailure,
  reconnectDelay,
  type EntraAuth,
  type RedisClient,
} from './client';
import {
  createRedisCluster,
  groupBySlot,
  isClusterServer,
  isRedirect,
  parseClusterSetting,
  slotOf,
  type NodeAddress,
  type RedisCluster,
} from './cluster';
import { describeEndpoint, parseConnectionString, type RedisEndpoint } from './connection-string';
import type { ConnectionUsers } from './connection-users';
import { EmbeddedServers } from './embedded-servers';
import { describeIdentity, readIdentity } from '../config/identity-settings';
import {
  createCredential,
  createEntraCredentialsProvider,
  identityEndpoint,
  type CredentialFactory,
} from './entra-id';
import { FailureReports } from './failure-reports';

export interface ConnectionsOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  /** Start a private redis-server for a connection setting that is not set anywhere (default true). */
  readonly embeddedDefault?: boolean;
  /** Private servers shared with other listener sets; when absent this instance owns (and stops) its own. */
  readonly embeddedServers?: EmbeddedServers;
  /** Called with the setting name whenever one of its connections is re-established. */
  readonly onReconnect?: (settingName: string) => void;
  /** The enabled functions naming each setting (trigger or binding): for errors and client names. */
  readonly users?: ReadonlyMap<string, ConnectionUsers>;
  /**
   * The token credential of an identity-based connection; default: the one its settings choose
   * (DefaultAzureCredential, ManagedIdentityCredential, ClientSecretCredential ...).
   */
  readonly credentialFor?: CredentialFactory;
}

/** Who uses a connection setting: every function naming it, and the Pub/Sub triggers among them. */
export type { ConnectionUsers } from './connection-users';

/** The CLIENT SETNAME prefix of the extension (`AzureFunctionsRedisExtension.<function>`). */
export const CLIENT_NAME_PREFIX = 'AzureFunctionsRedisExtension.';

interface Connection {
  readonly endpoint: RedisEndpoint;
  /** PEM from the `<setting>__tlsCaFile` app setting, for self-signed servers. */
  readonly ca: string | undefined;
  /** Identity-based connection (`<setting>__redisHostName` ...): every client authenticates with its token. */
  readonly entra?: EntraAuth;
  /** `<setting>__cluster`: true or false when set, undefined to ask the server (`INFO cluster`). */
  readonly clusterSetting: boolean | undefined;
  /** The cluster client, once the server turned out to be (or was declared) a cluster. */
  cluster?: Promise<RedisCluster>;
  /** Resolves once it is known whether the server is a cluster. */
  mode?: Promise<'standalone' | 'cluster'>;
  command?: Promise<RedisClient>;
  subscriber?: Promise<RedisClient>;
  /** Every client of this connection, connected or still trying, so close() can end them all. */
  readonly clients: Set<RedisClient | RedisCluster>;
}

/** What a Pub/Sub port needs, the same on a standalone client and on a cluster client. */
export interface Subscriber {
  readonly isReady: boolean;
  // (The listeners take Buffers too so that the cluster client's unsubscribe signatures fit.)
  subscribe(channels: string, listener: PubSubListener): Promise<void>;
  unsubscribe(channels: string, listener: PubSubListener): Promise<void>;
  pSubscribe(patterns: string, listener: PubSubListener): Promise<void>;
  pUnsubscribe(patterns: string, listener: PubSubListener): Promise<void>;
  sSubscribe(channels: string, listener: PubSubListener): Promise<void>;
  sUnsubscribe(channels: string, listener: PubSubListener): Promise<void>;
}

/** A Pub/Sub listener; messages arrive as strings (no buffer mode is asked for). */
export type PubSubListener = (message: string | Buffer, channel: string | Buffer) => void;

/** Where a dedicated client connects on a cluster: the master of a key's slot, or a given node. */
export type NodeTarget = { readonly key: string } | { readonly node: NodeAddress };

const MAX_REDIRECTS = 3;

/**
 * One shared command client and one Pub/Sub client per connection setting, created on first use;
 * dedicated clients for blocking reads. The only place that turns settings into Redis connections.
 *
 * A setting that points at a Redis Cluster (the server says `cluster_enabled:1`, or the app setting
 * `<setting>__cluster` is `true`) gets one node-redis cluster client instead: keyed commands run on the
 * node client of the key's slot master ({@link withKey}, which follows a MOVED after refreshing the slot
 * map), keyless ones on any master, Pub/Sub through the cluster client, and dedicated clients connect to
 * the master of a key's slot.
 */
export class RedisConnections {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly embedded: EmbeddedServers;
  private closed = false;
  /** Aborted by close(): connection attempts still retrying stop being waited for at once. */
  private readonly closing = new AbortController();
  /** The command client of each setting whose server is known to be standalone (see isKnownStandalone). */
  private readonly standalone = new Map<string, RedisClient>();

  constructor(private readonly options: ConnectionsOptions) {
    this.embedded = options.embeddedServers ?? new EmbeddedServers(options.logger);
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
    const names = [...settingNames];
    planConnections(this.options.settings, this.usersOf(names), {
      embedded: this.options.embeddedDefault !== false,
    });
    for (const name of names) {
      const lookup = this.options.settings.lookupConnection(name);
      if (lookup.value !== undefined) parseConnectionString(lookup.value.value, name);
      else {
        const identity = readIdentity(lookup);
        if (identity) identityEndpoint(identity);
      }
      parseClusterSetting(this.options.settings.get(`${name}__cluster`), `${name}__cluster`);
    }
  }

  /**
   * The CLIENT SETNAME of a connection: `AzureFunctionsRedisExtension.<function>` for a connection of one
   * function (its blocking reads, or a shared connection only one function uses), else
   * `AzureFunctionsRedisExtension.shared.<setting>` for a connection several functions share.
   */
  clientName(settingName: string, role: 'command' | 'pubsub', functionName?: string): string {
    const users = this.options.users?.get(settingName);
    const list = role === 'pubsub' ? users?.pubsub : users?.functions;
    const only = functionName ?? (list?.length === 1 ? list[0] : undefined);
    return CLIENT_NAME_PREFIX + (only ?? `shared.${settingName}`).replace(/[^!-~]/g, '_');
  }

  /** Is the setting's server a Redis Cluster? */
  async isCluster(settingName: string): Promise<boolean> {
    const connection = await this.connection(settingName);
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
      const client = await this.shared(settingName, 'command', 'command');
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
    if (!cluster) return this.shared(settingName, 'command', 'command');
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
    if (!cluster) return (await this.shared(settingName, 'command', 'command')).sendCommand([...args]);
    return cluster.sendCommand(firstKey, false, [...args]);
  }

  /** The shared command client of a standalone server (a cluster has one per node: use {@link withKey}). */
  commandClient(settingName: string): Promise<RedisClient> {
    return this.shared(settingName, 'command', 'command');
  }

  /** The Pub/Sub connection: a client of its own, or the cluster client (which keeps its own per node). */
  async subscriberClient(settingName: string): Promise<Subscriber> {
    const cluster = await this.clusterOf(settingName);
    return cluster ?? this.shared(settingName, 'subscriber', 'pubsub');
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
    const cluster = await this.clusterOf(settingName);
    let endpoint = connection.endpoint;
    if (cluster && at) {
      const node = 'node' in at ? at.node : cluster.slots[slotOf(at.key)]?.master;
      if (node) endpoint = { ...endpoint, host: node.host, port: node.port };
    }
    const name = this.clientName(settingName, functionName ? 'command' : 'pubsub', functionName);
    const client = this.newClient(connection, settingName, role, endpoint, name);
    await this.untilClosed(connectClient(client, settingName, endpoint, connection.entra?.identity));
    return client;
  }

  /** The settings with a connection that was lost and is retrying (open but not ready). */
  async reconnecting(): Promise<string[]> {
    const out: string[] = [];
    for (const [name, pending] of this.connections) {
      const connection = await pending.catch(() => undefined);
      if (connection && [...connection.clients].some((c) => c.isOpen && !c.isReady)) out.push(name);
    }
    return out;
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
    if (this.closed) throw closedError();
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

  /** The cluster client when the setting's server is a cluster; undefined for a standalone server. */
  private async clusterOf(settingName: string): Promise<RedisCluster | undefined> {
    const connection = await this.connection(settingName);
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
    const probe = await this.shared(settingName, 'command', 'command');
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
      logger: this.options.logger,
      ca: connection.ca,
      onReconnect: () => this.options.onReconnect?.(settingName),
      clientName: this.clientName(settingName, 'command'),
      ...(connection.entra ? { entra: connection.entra } : {}),
    });
    connection.clients.add(cluster);
    const reports = new FailureReports();
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new RedisFuncError(ErrorCodes.HOST_STATE, 'The Redis connections are closed.');
      try {
        await cluster.connect();
        this.options.logger.info(
          `Connection '${settingName}' is a Redis Cluster with ${cluster.masters.length} masters`,
        );
        return cluster;
      } catch (error) {
        const failure = permanentFailure(error, connection.endpoint, settingName, connection.entra?.identity);
        if (failure) throw failure;
        const report = reports.failed();
        if (report)
          this.options.logger.warn(
            { err: errorMessage(error), setting: settingName, failingForMs: report.failingForMs },
            `Redis Cluster of '${settingName}' (${describeEndpoint(connection.endpoint)}) cannot be reached` +
              `${report.first ? '' : ` after ${Math.round(report.failingForMs / 1000)}s`}; retrying`,
          );
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
      }
    }
  }

  private connection(settingName: string): Promise<Connection> {
    let pending = this.connections.get(settingName);
    if (!pending) {
      pending = this.open(settingName);
      this.connections.set(settingName, pending);
    }
    return pending;
  }

  private async open(settingName: string): Promise<Connection> {
    const lookup = this.options.settings.lookupConnection(settingName);
    const text = lookup.value?.value;
    const identity = text === undefined ? readIdentity(lookup) : undefined;
    if (identity) {
      const credential = this.options.credentialFor?.(settingName, identity) ?? createCredential(identity);
      const credentialsProvider = createEntraCredentialsProvider({
        settingName,
        identity,
        credential,
        logger: this.options.logger,
      });
      return {
        endpoint: identityEndpoint(identity),
        entra: { identity, credentialsProvider },
        ca: this.readCa(settingName),
        clusterSetting: parseClusterSetting(
          this.options.settings.get(`${settingName}__cluster`),
          `${settingName}__cluster`,
        ),
        clients: new Set(),
      };
    }
    if (text !== undefined) {
      return {
        endpoint: parseConnectionString(text, settingName),
        ca: this.readCa(settingName),
        clusterSetting: parseClusterSetting(
          this.options.settings.get(`${settingName}__cluster`),
          `${settingName}__cluster`,
        ),
        clients: new Set(),
      };
    }
    // Throws unless nothing is configured at all (then every missing setting gets a private server).
    const names = new Set([...(this.options.users?.keys() ?? []), settingName]);
    planConnections(this.options.settings, this.usersOf(names), {
      embedded: this.options.embeddedDefault !== false,
    });
    const server = await this.embedded.get(settingName);
    return {
      endpoint: parseConnectionString(server.url, settingName),
      ca: undefined,
      clusterSetting: false,
      clients: new Set(),
    };
  }

  private usersOf(names: Iterable<string>): Map<string, readonly string[]> {
    return new Map([...names].map((n) => [n, this.options.users?.get(n)?.functions ?? []]));
  }

  private readCa(settingName: string): string | undefined {
    const field = `${settingName}__tlsCaFile`;
    const file = this.options.settings.get(field);
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        ErrorCodes.SETTING_MISSING,
        `App setting '${field}' names ${file}, which cannot be read: ${errorMessage(error)}.`,
        {
          field,
          cause: error,
        },
      );
    }
  }
}

function closedError(): RedisFuncError {
  return new RedisFuncError(ErrorCodes.HOST_STATE, 'The Redis connections are closed.');
}
