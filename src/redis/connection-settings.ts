import { readFileSync } from 'node:fs';
import { ConfigError, ErrorCodes, errorMessage } from '../errors';
import { planConnections } from '../config/connection-check';
import { readIdentity, type IdentitySettings } from '../config/identity-settings';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging';
import type { EntraAuth, RedisClient } from './client';
import { parseClusterSetting, type RedisCluster } from './cluster';
import { parseConnectionString, type RedisEndpoint } from './connection-string';
import type { ConnectionUsers } from './connection-users';
import type { EmbeddedServers } from './embedded-servers';
import {
  createCredential,
  createEntraCredentialsProvider,
  identityEndpoint,
  type CredentialFactory,
} from './entra-id';

/** What reading a connection setting needs (the part of ConnectionsOptions about settings). */
export interface SettingsOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  /** Start a private redis-server for a connection setting that is not set anywhere (default true). */
  readonly embeddedDefault?: boolean;
  /** The enabled functions naming each setting (trigger or binding): for errors and client names. */
  readonly users?: ReadonlyMap<string, ConnectionUsers>;
  /**
   * The token credential of an identity-based connection; default: the one its settings choose
   * (DefaultAzureCredential, ManagedIdentityCredential, ClientSecretCredential ...).
   */
  readonly credentialFor?: CredentialFactory;
}

/** One connection setting, opened: where it points, how it authenticates, and the clients made for it. */
export interface Connection {
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

/**
 * Checks the named settings, so a missing or bad connection fails start-up before anything connects.
 * A private redis-server is planned only when nothing is configured.
 */
export function validateConnectionSettings(names: readonly string[], options: SettingsOptions): void {
  planServers(names, options);
  for (const name of names) {
    const lookup = options.settings.lookupConnection(name);
    if (lookup.value !== undefined) parseConnectionString(lookup.value.value, name);
    else {
      const identity = readIdentity(lookup);
      if (identity) identityEndpoint(identity);
    }
    readClusterSetting(options.settings, name);
  }
}

/**
 * Opens a connection setting: a connection string, identity settings (`<setting>__redisHostName` ...), or,
 * when nothing is configured at all, a private redis-server from `embedded`.
 */
export async function openConnection(
  settingName: string,
  options: SettingsOptions,
  embedded: EmbeddedServers,
): Promise<Connection> {
  const lookup = options.settings.lookupConnection(settingName);
  const text = lookup.value?.value;
  const identity = text === undefined ? readIdentity(lookup) : undefined;
  if (identity) return openIdentity(settingName, identity, options);
  if (text !== undefined) return configured(settingName, parseConnectionString(text, settingName), options);
  // Throws unless nothing is configured at all (then every missing setting gets a private server).
  planServers(new Set([...(options.users?.keys() ?? []), settingName]), options);
  const server = await embedded.get(settingName);
  return {
    endpoint: parseConnectionString(server.url, settingName),
    ca: undefined,
    clusterSetting: false,
    clients: new Set(),
  };
}

/** An identity-based connection: every client shares one token provider. */
function openIdentity(settingName: string, identity: IdentitySettings, options: SettingsOptions): Connection {
  const credential = options.credentialFor?.(settingName, identity) ?? createCredential(identity);
  const credentialsProvider = createEntraCredentialsProvider({
    settingName,
    identity,
    credential,
    logger: options.logger,
  });
  return configured(settingName, identityEndpoint(identity), options, { identity, credentialsProvider });
}

/** A configured endpoint with the CA file and cluster setting that go with it. */
function configured(
  settingName: string,
  endpoint: RedisEndpoint,
  options: SettingsOptions,
  entra?: EntraAuth,
): Connection {
  return {
    endpoint,
    ...(entra ? { entra } : {}),
    ca: readCa(options.settings, settingName),
    clusterSetting: readClusterSetting(options.settings, settingName),
    clients: new Set(),
  };
}

/** Plans the private servers of `names`; throws for a missing setting unless nothing is configured. */
function planServers(names: Iterable<string>, options: SettingsOptions): void {
  const users = new Map([...names].map((n) => [n, options.users?.get(n)?.functions ?? []]));
  planConnections(options.settings, users, { embedded: options.embeddedDefault !== false });
}

function readClusterSetting(settings: Settings, settingName: string): boolean | undefined {
  return parseClusterSetting(settings.get(`${settingName}__cluster`), `${settingName}__cluster`);
}

/** The PEM of the `<setting>__tlsCaFile` app setting, if set. */
function readCa(settings: Settings, settingName: string): string | undefined {
  const field = `${settingName}__tlsCaFile`;
  const file = settings.get(field);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      ErrorCodes.SETTING_MISSING,
      `App setting '${field}' names ${file}, which cannot be read: ${errorMessage(error)}.`,
      { field, cause: error },
    );
  }
}
