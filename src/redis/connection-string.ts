import { ConfigError, ErrorCodes } from '../errors';

/** A parsed connection: what node-redis needs, and nothing secret in `describe()`. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** TLS server name to verify (StackExchange `sslHost`); defaults to the host. */
  readonly servername: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly database: number;
  readonly connectTimeoutMs: number | undefined;
  /** StackExchange `abortConnect`: when true, a failed first connection ends start-up instead of retrying. */
  readonly abortConnect: boolean;
}

/** StackExchange.Redis options that do not change how redis-func connects; accepted and ignored. */
const IGNORED_OPTIONS = new Set([
  'synctimeout',
  'asynctimeout',
  'allowadmin',
  'connectretry',
  'keepalive',
  'name',
  'responsetimeout',
  'resolvedns',
  'servicename',
  'sslprotocols',
  'tiebreaker',
  'version',
  'configchannel',
  'checkcertificaterevocation',
  'proxy',
  'channelprefix',
  'configcheckseconds',
  'setlib',
  'protocol',
  'highprioritysocketthreads',
  'writebuffer',
  'heartbeatinterval',
  'includedetailinexceptions',
]);

export function parseConnectionString(text: string, settingName: string): RedisEndpoint {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(settingName, 'it is empty');
  return /^rediss?:\/\//i.test(trimmed)
    ? parseUrl(trimmed, settingName)
    : parseStackExchange(trimmed, settingName);
}

/** `host:port (TLS)` without credentials, for logs and errors. */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}${endpoint.database ? ` db ${endpoint.database}` : ''}`;
}

function invalid(settingName: string, problem: string): ConfigError {
  return new ConfigError(
    ErrorCodes.CONNECTION_STRING_INVALID,
    `The connection string in setting '${settingName}' cannot be parsed: ${problem}. Expected a StackExchange.Redis ` +
      `string such as "myhost:6380,password=...,ssl=True" or a URL such as "redis://host:6379".`,
    { field: settingName },
  );
}

function parseUrl(text: string, settingName: string): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(settingName, 'it is not a valid URL');
  }
  const tls = url.protocol.toLowerCase() === 'rediss:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw invalid(settingName, 'the URL has no host');
  const dbText = url.pathname.replace(/^\//, '');
  const database = dbText === '' ? 0 : parseIntStrict(dbText);
  if (database === undefined) throw invalid(settingName, `the database "${dbText}" is not a number`);
  const port = url.port === '' ? 6379 : parsePort(url.port, settingName);
  return Object.freeze({
    host,
    port,
    tls,
    servername: undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    connectTimeoutMs: undefined,
    abortConnect: false,
  });
}

function parseStackExchange(text: string, settingName: string): RedisEndpoint {
  const endpoints: string[] = [];
  const options = new Map<string, string>();
  for (const rawPart of text.split(',')) {
    const part = rawPart.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) endpoints.push(part);
    else options.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const first = endpoints[0];
  if (first === undefined) throw invalid(settingName, 'it names no host');
  const tls = parseBool(options.get('ssl') ?? 'false', 'ssl', settingName);
  const { host, port } = parseHostPort(first, tls ? 6380 : 6379, settingName);
  const database = options.has('defaultdatabase') ? parseIntStrict(options.get('defaultdatabase') ?? '') : 0;
  if (database === undefined) throw invalid(settingName, 'defaultDatabase is not a number');
  const connectTimeout = options.get('connecttimeout');
  const connectTimeoutMs = connectTimeout === undefined ? undefined : parseIntStrict(connectTimeout);
  if (connectTimeout !== undefined && connectTimeoutMs === undefined) {
    throw invalid(settingName, 'connectTimeout is not a number of milliseconds');
  }
  for (const key of options.keys()) {
    const known = ['password', 'user', 'ssl', 'sslhost', 'abortconnect', 'connecttimeout', 'defaultdatabase'];
    if (!known.includes(key) && !IGNORED_OPTIONS.has(key))
      throw invalid(settingName, `unknown option "${key}"`);
  }
  return Object.freeze({
    host,
    port,
    tls,
    servername: options.get('sslhost') || undefined,
    username: options.get('user') || undefined,
    password: options.get('password') || undefined,
    database,
    connectTimeoutMs,
    abortConnect: parseBool(options.get('abortconnect') ?? 'false', 'abortConnect', settingName),
  });
}

function parseHostPort(
  text: string,
  defaultPort: number,
  settingName: string,
): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const [, host = '', port] = bracketed;
    return { host, port: port === undefined ? defaultPort : parsePort(port, settingName) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: defaultPort };
  const host = text.slice(0, colon);
  if (host === '' || host.includes(':')) throw invalid(settingName, `"${text}" is not host:port`);
  return { host, port: parsePort(text.slice(colon + 1), settingName) };
}

function parsePort(text: string, settingName: string): number {
  const port = parseIntStrict(text);
  if (port === undefined || port < 1 || port > 65535)
    throw invalid(settingName, `port "${text}" is not 1-65535`);
  return port;
}

function parseIntStrict(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function parseBool(text: string, option: string, settingName: string): boolean {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw invalid(settingName, `${option} must be true or false (found "${text}")`);
}
