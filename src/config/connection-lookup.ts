import type { LocalSettings } from './local-settings';

/** One configuration value and where it came from, keyed as .NET configuration keys it (`a:b`). */
export interface ConfigEntry {
  /** The configuration key: `__` in a name stands for `:`, as in .NET environment configuration. */
  readonly key: string;
  readonly value: string;
  /** Where it was set: `environment variable X`, `local.settings.json Values.X`, `... ConnectionStrings.X`. */
  readonly source: string;
}

/** What a connection name resolved to. */
export interface ConnectionLookup {
  /** The `connection` a function names. */
  readonly name: string;
  /** The section used: the first of `searched` that exists (has a value or `<section>__*` settings). */
  readonly section: string | undefined;
  /** The connection string of that section, when it has one. */
  readonly value: ConfigEntry | undefined;
  /** Settings under the section (`<section>__redisHostName` ...), keyed by what follows `__`. */
  readonly children: readonly (ConfigEntry & { readonly child: string })[];
  /** The keys looked at, in order. */
  readonly searched: readonly string[];
}

/**
 * .NET turns these environment variable prefixes (App Service connection strings) into `ConnectionStrings:`.
 */
const CONNECTION_STRING_ENV_PREFIXES = ['CUSTOMCONNSTR_', 'SQLCONNSTR_', 'SQLAZURECONNSTR_', 'MYSQLCONNSTR_'];

/**
 * The configuration the Functions host builds, flattened: environment variables first, then what Core Tools
 * copies from local.settings.json into the environment (`Values.X` as `X`, `ConnectionStrings.X` as
 * `ConnectionStrings:X`), which an environment variable of the same name wins over. Keys compare ignoring case.
 */
export function configEntries(
  local: LocalSettings,
  env: Readonly<Record<string, string | undefined>>,
): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    entries.push({ key: envKey(name), value, source: `environment variable ${name}` });
  }
  const file = 'local.settings.json';
  for (const [name, value] of Object.entries(local.values)) {
    if (value !== '') entries.push({ key: normalise(name), value, source: `${file} Values.${name}` });
  }
  for (const [name, value] of Object.entries(local.connectionStrings)) {
    if (value === '') continue;
    entries.push({
      key: `ConnectionStrings:${normalise(name)}`,
      value,
      source: `${file} ConnectionStrings.${name}`,
    });
  }
  return entries;
}

/**
 * Finds a connection as the WebJobs SDK's `GetWebJobsConnectionSection` does: `AzureWebJobs<name>` first,
 * then `<name>`; for each, `ConnectionStrings:<x>` before `<x>`. A section exists when it has a value or
 * settings under it (`<x>__redisHostName`, for identity-based connections).
 */
export function lookupConnection(entries: readonly ConfigEntry[], name: string): ConnectionLookup {
  const plain = normalise(name);
  const searched = [`AzureWebJobs${plain}`, plain].flatMap((x) => [`ConnectionStrings:${x}`, x]);
  for (const section of searched) {
    const value = find(entries, section);
    const children = childrenOf(entries, section);
    if (value || children.length > 0) return { name, section, value, children, searched };
  }
  return { name, section: undefined, value: undefined, children: [], searched };
}

/** The first entry with this key (ignoring case). */
export function find(entries: readonly ConfigEntry[], key: string): ConfigEntry | undefined {
  const wanted = key.toLowerCase();
  return entries.find((e) => e.key.toLowerCase() === wanted);
}

function childrenOf(entries: readonly ConfigEntry[], section: string): (ConfigEntry & { child: string })[] {
  const prefix = `${section.toLowerCase()}:`;
  const seen = new Set<string>();
  const out: (ConfigEntry & { child: string })[] = [];
  for (const entry of entries) {
    if (!entry.key.toLowerCase().startsWith(prefix)) continue;
    const child = entry.key.slice(prefix.length);
    if (seen.has(child.toLowerCase())) continue;
    seen.add(child.toLowerCase());
    out.push({ ...entry, child });
  }
  return out;
}

function envKey(name: string): string {
  const key = normalise(name);
  const upper = key.toUpperCase();
  const prefix = CONNECTION_STRING_ENV_PREFIXES.find((p) => upper.startsWith(p));
  return prefix ? `ConnectionStrings:${key.slice(prefix.length)}` : key;
}

function normalise(name: string): string {
  return name.replace(/__/g, ':');
}
