import { readFileSync } from 'node:fs';
import { ConfigError, ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging';
import { createRedisClient, connectClient, type RedisClient } from './client';
import { describeEndpoint, parseConnectionString, type RedisEndpoint } from './connection-string';
import { EmbeddedServers } from './embedded-servers';

export interface ConnectionsOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  /** Start a private redis-server for a connection setting that is not set anywhere (default true). */
  readonly embeddedDefault?: boolean;
  /** Private servers shared with other listener sets; when absent this instance owns (and stops) its own. */
  readonly embeddedServers?: EmbeddedServers;
  /** Called with the setting name whenever one of its connections is re-established. */
  readonly onReconnect?: (settingName: string) => void;
}

interface Connection {
  readonly endpoint: RedisEndpoint;
  /** PEM from the `<setting>__tlsCaFile` app setting, for self-signed servers. */
  readonly ca: string | undefined;
  command?: Promise<RedisClient>;
  subscriber?: Promise<RedisClient>;
  /** Every client of this connection, connected or still trying, so close() can end them all. */
  readonly clients: Set<RedisClient>;
}

/**
 * One shared command client and one Pub/Sub client per connection setting, created on first use;
 * dedicated clients for blocking reads. The only place that turns settings into Redis connections.
 */
export class RedisConnections {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly embedded: EmbeddedServers;
  private closed = false;

  constructor(private readonly options: ConnectionsOptions) {
    this.embedded = options.embeddedServers ?? new EmbeddedServers(options.logger);
  }

  /** Parses every named setting now, so a bad connection string fails start-up before anything connects. */
  validate(settingNames: Iterable<string>): void {
    for (const name of settingNames) {
      const text = this.options.settings.getConnection(name);
      if (text !== undefined) parseConnectionString(text, name);
      else if (this.options.embeddedDefault === false) throw missingSetting(name);
    }
  }

  commandClient(settingName: string): Promise<RedisClient> {
    return this.shared(settingName, 'command', 'command');
  }

  subscriberClient(settingName: string): Promise<RedisClient> {
    return this.shared(settingName, 'subscriber', 'pubsub');
  }

  /** A client of its own (for blocking commands); closed with the others. */
  async dedicatedClient(settingName: string, role: string): Promise<RedisClient> {
    const connection = await this.connection(settingName);
    const client = this.newClient(connection, settingName, role);
    await connectClient(client, settingName, connection.endpoint);
    return client;
  }

  /** Safe description of each connection in use (no credentials). */
  async describe(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, connection] of this.connections)
      out[name] = describeEndpoint((await connection).endpoint);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.connections.values()) {
      const connection = await pending.catch(() => undefined);
      if (!connection) continue;
      for (const client of connection.clients) if (client.isOpen) client.destroy();
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
    const client = this.newClient(connection, settingName, role);
    const ready = connectClient(client, settingName, connection.endpoint).then(() => client);
    connection[slot] = ready;
    return ready;
  }

  private newClient(connection: Connection, settingName: string, role: string): RedisClient {
    if (this.closed) throw new RedisFuncError(ErrorCodes.HOST_STATE, 'The Redis connections are closed.');
    const client = createRedisClient({
      ca: connection.ca,
      onReconnect: () => this.options.onReconnect?.(settingName),
      endpoint: connection.endpoint,
      settingName,
      role,
      logger: this.options.logger,
    });
    connection.clients.add(client);
    return client;
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
    const text = this.options.settings.getConnection(settingName);
    if (text !== undefined) {
      return {
        endpoint: parseConnectionString(text, settingName),
        ca: this.readCa(settingName),
        clients: new Set(),
      };
    }
    if (this.options.embeddedDefault === false) throw missingSetting(settingName);
    const server = await this.embedded.get(settingName);
    return { endpoint: parseConnectionString(server.url, settingName), ca: undefined, clients: new Set() };
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

function missingSetting(name: string): ConfigError {
  return new ConfigError(
    ErrorCodes.SETTING_MISSING,
    `The connection setting '${name}' is not set. Set it in the environment or in local.settings.json ` +
      `(Values.${name}), e.g. "localhost:6379" or "redis://localhost:6379".`,
    { field: name },
  );
}
