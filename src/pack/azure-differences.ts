/**
 * Every deliberate difference between redis-func and the Azure Functions Redis extension 1.x, once. This
 * list is the single source of the README's "Differences from Azure" table (a test holds them equal) and
 * of the rows `redis-func pack` prints for the options an app uses. Adding a difference: one entry here
 * and the same row in the README table. No `|` inside a text (it would split the Markdown cell).
 */
export interface AzureDifference {
  /** What differs: a behaviour or an option (`reliable`, ...). */
  readonly topic: string;
  /** What redis-func does. */
  readonly redisFunc: string;
  /** What the 1.x extension does in Azure. */
  readonly azure: string;
  /** Why redis-func differs. */
  readonly reason: string;
}

export const AZURE_DIFFERENCES = {
  listPolling: {
    topic: 'List polling after a full batch',
    redisFunc:
      'sends the next pop while the batch runs; waits `pollingIntervalInMs` only after a short or empty poll',
    azure:
      'sleeps the full `pollingIntervalInMs` after every poll (at most `maxBatchSize` elements per interval per instance)',
    reason: 'throughput: a busy list drains at Redis speed instead of 16 elements/s at the 1.x defaults',
  },
  streamAck: {
    topic: 'Stream acknowledgement and reclaim (`reclaimIdleMs`)',
    redisFunc:
      'XACK only after the invocation succeeded; entries pending longer than `reclaimIdleMs` are claimed by any consumer and run again',
    azure: 'XACK even when the function failed; pending entries are never read or reclaimed',
    reason: 'at-least-once: a failed or crashed invocation is not lost',
  },
  streamShutdown: {
    topic: 'Stream consumer at shutdown',
    redisFunc: 'finishes and acks its batch; deletes its consumer only when nothing is pending on it',
    azure: 'XGROUP DELCONSUMER, which drops the pending entries of that consumer',
    reason: 'no entry is lost by a restart or a scale-in',
  },
  pollingErrors: {
    topic: 'Errors in the polling loop',
    redisFunc: 'logs, backs off and polls again; reconnects and resubscribes',
    azure: 'one timeout or NOGROUP ends the loop until the host restarts',
    reason: 'a transient Redis error must not stop a function',
  },
  reliableLists: {
    topic: 'List option `reliable: true`',
    redisFunc:
      'LMOVE to a processing list, LREM after success; the elements of a crashed listener return to the list',
    azure: 'not available: destructive pops, a failed or crashed invocation loses its element',
    reason: 'at-least-once lists for apps that need them (redis-func only)',
  },
  blockingMode: {
    topic: 'Option `mode: blocking` (lists and streams)',
    redisFunc: 'BLMPOP / BLPOP / XREADGROUP BLOCK on a connection of its own: handled within milliseconds',
    azure: 'not available: polls every `pollingIntervalInMs`',
    reason: 'latency without a busy polling loop (redis-func only)',
  },
  retries: {
    topic: 'Retry policies (host.json `retry`, function `retry`)',
    redisFunc: 'failed invocations are retried in process (`NonRetryableError` gives up at once)',
    azure: 'not applied to Redis triggers',
    reason: 'a transient failure should not lose a message',
  },
  deadLetters: {
    topic: 'Dead letters (`deadLetter`, `deadLetterKey`)',
    redisFunc: 'after the last retry a stream entry or reliable list element goes to a dead-letter key',
    azure: 'none: streams ack failures, list pops lose them',
    reason: 'a poison message is kept for inspection and never blocks the ones behind it',
  },
  concurrency: {
    topic: 'Option `concurrency`',
    redisFunc:
      'lists and streams: bounds the invocations running at once within a batch (default 10); Pub/Sub: invocations at once (default 1, in order)',
    azure: 'not available: the invocations of a batch all start at once; Pub/Sub runs one message at a time',
    reason: 'protects what the handler calls, or trades order for throughput (redis-func only)',
  },
  pubSubBacklog: {
    topic: 'Pub/Sub backlog (`maxBacklog`, default 10000)',
    redisFunc:
      'past `maxBacklog` waiting messages the oldest waiting one is dropped, counted in `redis_func_pubsub_dropped_total` and warned about',
    azure: 'every message waits in an unbounded in-process queue',
    reason: 'bounded memory under overload: a burst cannot run the process out of memory',
  },
  shardedPubSub: {
    topic: 'Pub/Sub option `sharded: true`',
    redisFunc: 'SSUBSCRIBE: receives SPUBLISH messages of the channel',
    azure: 'not available: SUBSCRIBE never sees SPUBLISH messages',
    reason: 'Redis 7 sharded Pub/Sub on clusters (redis-func only)',
  },
  clusterKeyspace: {
    topic: 'Keyspace notifications on a Redis Cluster',
    redisFunc: 'subscribed on every master, following failovers and resharding',
    azure: 'do not work on clustered caches (a node publishes only the events of its own keys)',
    reason: 'keyspace triggers that see every key',
  },
  outputFailures: {
    topic: 'Output bindings',
    redisFunc:
      'a failing output command fails the invocation (start-up says so once per function); an array of arguments may hold spaces; a `command` of several words is split into words',
    azure:
      'commands are sent fire-and-forget; a value is one string split on spaces; `command` is sent as one command name',
    reason: 'no silent loss of an output, and arguments that contain spaces',
  },
  inputCommands: {
    topic: 'Input binding with a command outside the 1.x read commands',
    redisFunc:
      "stops start-up with the extension's error text (a command word from an expression: at run time)",
    azure: 'fails every invocation with that text',
    reason: 'such an app cannot work in Azure either: say so at once',
  },
  multipleKeys: {
    topic: 'Several keys per list or stream function (`keys: "a b"`)',
    redisFunc: 'one function reads every key',
    azure: 'one key per function (`redis-func pack` writes one function per key)',
    reason: 'the preview API took several keys; apps written for it keep working',
  },
  consumerGroupOption: {
    topic: 'Stream option `consumerGroup`',
    redisFunc: 'the group the function reads with',
    azure: 'not available: the group is named after the function',
    reason: 'the preview API named the group; apps written for it keep their group',
  },
  deleteAfterProcess: {
    topic: 'Stream option `deleteAfterProcess: true`',
    redisFunc: 'XDEL after the ack',
    azure: 'not available in 1.x: entries stay in the stream',
    reason: 'the preview API had it; apps written for it keep working',
  },
  hostJsonOptions: {
    topic:
      'host.json `extensions.redis` options (`lists`, `streams`, `shutdownGracePeriod`, `triggerValueFormat`)',
    redisFunc: 'read at start',
    azure: 'the 1.x extension reads no host.json options',
    reason: 'host-wide defaults and the value shape, without touching each function',
  },
  messagesPerWorker: {
    topic: 'Option `messagesPerWorker` (scale target)',
    redisFunc:
      'when set, target instances = ceil(backlog / messagesPerWorker); unset, / `maxBatchSize` as in 1.x',
    azure: 'not available: always ceil(backlog / `maxBatchSize`)',
    reason: "the preview API's scale hint; apps written for it keep their target",
  },
  streamBacklogBefore7: {
    topic: 'Stream backlog before Redis 7 (no `lag` in XINFO GROUPS)',
    redisFunc: "counts the entries after the group's last delivered id (exactly, up to 100,000)",
    azure: "estimates them from the entry ids' timestamps",
    reason: 'an exact count where it is cheap',
  },
  consumerNames: {
    topic: 'Stream consumer names with `--instances N`',
    redisFunc: 'listener sets after the first add `-<n>` to `WEBSITE_INSTANCE_ID`',
    azure: 'one listener per instance: the consumer is `WEBSITE_INSTANCE_ID` (else a GUID)',
    reason: 'several listener sets in one process need distinct consumer names',
  },
  sharedClientNames: {
    topic: 'CLIENT SETNAME of a connection several functions share',
    redisFunc:
      '`AzureFunctionsRedisExtension.shared.<setting>` (one function alone: `AzureFunctionsRedisExtension.<function>`)',
    azure: '`AzureFunctionsRedisExtension.<function>` of whichever function opened it first',
    reason: 'a stable name in CLIENT LIST that says what the connection serves',
  },
  missingConnection: {
    topic: 'No connection setting configured at all',
    redisFunc:
      'starts a private `redis-server` (a setting missing while others exist is an error naming the closest one)',
    azure: 'the function fails to start: connection not found',
    reason: 'a first run needs no Redis of its own (local runs only)',
  },
  emptySettings: {
    topic: 'An app setting set to the empty string',
    redisFunc: 'counts as not set',
    azure: 'its configuration section exists (a connection of that name is found, and empty)',
    reason: 'an empty value is never a usable connection string',
  },
  identitySettings: {
    topic: 'Identity connection settings (`<name>__clientSecret`, `__credential`)',
    redisFunc:
      'a `clientSecret` without `clientId` and `tenantId`, or a `credential` other than `managedidentity` / `workloadidentity`, stops start-up with an error',
    azure: 'falls back to DefaultAzureCredential (ignoring the secret), or supports more credential kinds',
    reason: 'a half-configured identity is more likely a mistake than a wish for the default credential',
  },
  identityPort: {
    topic: '`<name>__redisHostName` without a port',
    redisFunc: 'port 10000 for `*.redis.azure.net` (Azure Managed Redis), else 6380, with TLS',
    azure: 'StackExchange.Redis defaults: 6380 with TLS',
    reason: 'Azure Managed Redis listens on 10000',
  },
  unknownOptions: {
    topic: 'Unknown binding properties (`chanel`, `consumerGroupName`)',
    redisFunc: 'ignored, with one warning per function naming the closest known option',
    azure: 'ignored silently',
    reason: 'a misspelled option is caught at start-up instead of behaving as its default',
  },
  jsonSyntax: {
    topic: 'host.json, function.json and local.settings.json syntax',
    redisFunc: 'JSON with `//` and `/* */` comments and trailing commas',
    azure: 'also single-quoted strings and unquoted property names (Newtonsoft)',
    reason: 'a standard JSON-with-comments reader (jsonc-parser) with line and column in its errors',
  },
  entryGlob: {
    topic: 'package.json `"redis-func": { "main" }`',
    redisFunc: 'the entry files, when set (else `main`)',
    azure: 'the Node worker reads `main` only',
    reason:
      "lets a package keep `main` for its library and run an app beside it (redis-func's own sample app)",
  },
  appHooks: {
    topic: 'App hooks (`app.hook.*`) of a packed app',
    redisFunc: 'run around each invocation',
    azure: 'not run: the packed shims call the handlers directly',
    reason: 'the 1.x extension runs only the function.json model, where v4 hooks do not exist',
  },
} as const satisfies Readonly<Record<string, AzureDifference>>;

export type AzureDifferenceId = keyof typeof AZURE_DIFFERENCES;

/** The README table's columns; its rows are differenceCells of each entry, in this file's order. */
export const DIFFERENCES_TABLE_HEADER = ['what', 'redis-func', 'Azure (1.x extension)', 'why'] as const;

export function differenceCells(difference: AzureDifference): readonly string[] {
  return [difference.topic, difference.redisFunc, difference.azure, difference.reason];
}
