import { ConfigError, ErrorCodes } from '../errors';
import { closestName } from './closest-name';
import type { ConfigEntry, ConnectionLookup } from './connection-lookup';
import { IDENTITY_SETTINGS, readIdentity } from './identity-settings';
import type { Settings } from './settings';

/** Who uses a connection setting: every function naming it (trigger or binding), for messages and names. */
export type ConnectionUsers = ReadonlyMap<string, readonly string[]>;

/**
 * Decides, before anything connects, which connection settings get a private redis-server: all of them
 * when nothing is configured at all (no connection setting resolves and no setting looks like a Redis
 * connection) and `embedded` allows it, none otherwise. A setting that cannot be used is a configuration error naming the
 * function, the setting, where it was looked for, and the closest existing setting.
 */
export function planConnections(
  settings: Settings,
  users: ConnectionUsers,
  options: { readonly embedded: boolean },
): { embedded: ReadonlySet<string> } {
  const entries = settings.entries();
  const lookups = [...users.keys()].map((name) => settings.lookupConnection(name));
  for (const lookup of lookups) {
    const problem = sectionProblem(lookup, users.get(lookup.name) ?? []);
    if (problem) throw problem;
  }
  const missing = lookups.filter((l) => l.section === undefined);
  if (missing.length === 0) return { embedded: new Set() };
  const configured =
    !options.embedded || lookups.some((l) => l.section !== undefined) || entries.some(looksLikeRedis);
  const first = missing[0];
  if (configured && first) throw connectionNotFound(first, users.get(first.name) ?? [], entries);
  return { embedded: new Set(missing.map((l) => l.name)) };
}

/** Does this setting look like a Redis connection (a URL, `host:port,...`, an Azure cache, an identity)? */
export function looksLikeRedis(entry: ConfigEntry): boolean {
  if (/:redisHostName$/i.test(entry.key)) return true;
  const value = entry.value.trim();
  if (/^rediss?:\/\/\S+$/i.test(value)) return true;
  const first = value.split(',')[0] ?? '';
  if (/\.redis\.(cache\.windows\.net|azure\.net)(:\d+)?$/i.test(first)) return true;
  if (!/^[\w.-]+:\d{1,5}$/.test(first)) return false;
  return /redis/i.test(entry.key) || /,\s*(password|ssl|abortConnect|user)\s*=/i.test(value);
}

/** A connection whose section exists but cannot be used (incomplete identity settings, or both kinds at once). */
function sectionProblem(lookup: ConnectionLookup, functions: readonly string[]): ConfigError | undefined {
  const identity = lookup.children.filter((c) =>
    IDENTITY_SETTINGS.some((name) => name.toLowerCase() === c.child.toLowerCase()),
  );
  const who = usedBy(lookup.name, functions);
  const section = lookup.section ?? lookup.name;
  const hostName = identity.find((c) => c.child.toLowerCase() === 'redishostname');
  if (lookup.value && hostName) {
    return new ConfigError(
      ErrorCodes.CONNECTION_AMBIGUOUS,
      `${who}: found both the connection string '${lookup.value.key}' (${lookup.value.source}) and ` +
        `'${hostName.key}' (${hostName.source}). Choose either a connection string or an identity-based connection.`,
      { field: lookup.name },
    );
  }
  if (lookup.value) return undefined;
  if (identity.length > 0) {
    try {
      readIdentity(lookup); // a usable identity-based connection, or an error naming the setting
      return undefined;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return new ConfigError(error.code, `${who}: ${error.message}`, { field: error.field, cause: error });
    }
  }
  if (lookup.section === undefined) return undefined;
  return new ConfigError(
    ErrorCodes.CONNECTION_NOT_FOUND,
    `${who}: the connection '${lookup.name}' has settings under '${section}' ` +
      `(${lookup.children.map((c) => `${section}__${c.child}`).join(', ')}) but no connection string: set '${lookup.name}' itself.`,
    { field: lookup.name },
  );
}

function connectionNotFound(
  lookup: ConnectionLookup,
  functions: readonly string[],
  entries: readonly ConfigEntry[],
): ConfigError {
  const redisLike = byName(entries.filter(looksLikeRedis));
  const all = byName(entries);
  const closest = closestName(lookup.name, redisLike.keys()) ?? closestName(lookup.name, all.keys());
  const entry = closest === undefined ? undefined : (redisLike.get(closest) ?? all.get(closest));
  const seen = [...redisLike].slice(0, 3).map(([name, e]) => `'${name}' (${e.source})`);
  const suggestion =
    closest && entry
      ? ` Did you mean '${closest}' (${entry.source})?`
      : seen.length > 0
        ? ` Settings that look like a Redis connection: ${seen.join(', ')}.`
        : '';
  return new ConfigError(
    ErrorCodes.CONNECTION_NOT_FOUND,
    `${usedBy(lookup.name, functions)}: the connection setting '${lookup.name}' is not set. Looked for ` +
      `${lookup.searched.join(', ')} in the environment (with '__' for ':') and in local.settings.json ` +
      `(Values, ConnectionStrings).${suggestion} (A private redis-server is started only when no Redis ` +
      `connection is configured at all.)`,
    { field: lookup.name },
  );
}

/** Entries by the connection name that would find them (prefixes and `__redisHostName` left out); first wins. */
function byName(entries: readonly ConfigEntry[]): Map<string, ConfigEntry> {
  const out = new Map<string, ConfigEntry>();
  for (const entry of entries) {
    const name = entry.key
      .replace(/:redisHostName$/i, '')
      .replace(/^ConnectionStrings:/i, '')
      .replace(/^AzureWebJobs/, '');
    if (!out.has(name)) out.set(name, entry);
  }
  return out;
}

function usedBy(setting: string, functions: readonly string[]): string {
  if (functions.length === 0) return `Connection '${setting}'`;
  const list = functions.map((f) => `'${f}'`).join(', ');
  return `Function${functions.length === 1 ? '' : 's'} ${list} (connection '${setting}')`;
}
