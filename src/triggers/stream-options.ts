import type { HostConfig, TriggerValueFormat } from '../config/host-json';
import { getCaseInsensitive, isRecord } from '../config/read-json';
import { ConfigError, ErrorCodes } from '../errors';
import { CONNECTION_NAMES, type BindingOptions } from './binding-options';
import { parseDeadLetterKey, parseKeys, parseMessagesPerWorker } from './keyed-options';
import type { TriggerOptions } from './trigger';

export type StreamReadMode = 'polling' | 'blocking';

/** A stream trigger's options, validated and defaulted once (defaults in STREAM_DEFAULTS). */
export interface StreamTriggerOptions extends TriggerOptions {
  /** `keys` (space-delimited, preview) or `key` (1.x); `%Setting%` references resolved. */
  readonly keys: readonly string[];
  /** Wait after a short batch (polling mode). */
  readonly pollingIntervalInMs: number;
  /** XREADGROUP COUNT: at most this many entries per key and read (`batchSize` or `maxBatchSize`). */
  readonly batchSize: number;
  /** The consumer group: `consumerGroup`, else the function's name (as in Azure). */
  readonly consumerGroup: string;
  /** XDEL each entry after it was acked. */
  readonly deleteAfterProcess: boolean;
  /**
   * The preview extension's scale hint: when set, target instances = ceil(backlog / messagesPerWorker);
   * unset (undefined), the batch size divides the backlog, as in the 1.x extension. Not used to read.
   */
  readonly messagesPerWorker: number | undefined;
  /** Entries pending this long on any consumer of the group (a crashed instance, a failure) are claimed. */
  readonly reclaimIdleMs: number;
  /** `polling`: XREADGROUP without BLOCK, wait `pollingIntervalInMs` when short; `blocking`: XREADGROUP BLOCK. */
  readonly mode: StreamReadMode;
  /** `one`: an invocation per entry; `many`: an invocation per key and batch, with an array. */
  readonly cardinality: 'one' | 'many';
  /** At most this many invocations of the function at once while a batch is handled. */
  readonly concurrency: number;
  /** The function's value shape (host.json `triggerValueFormat`, else its programming model's default). */
  readonly valueFormat: TriggerValueFormat;
  /**
   * Where an entry goes after its last failed attempt under a retry policy (or a NonRetryableError):
   * `deadLetterKey` with `{key}` standing for the stream key (default `{key}:deadletter`); undefined when
   * `deadLetter: false`.
   */
  readonly deadLetterKey: string | undefined;
}

export const STREAM_DEFAULTS: Readonly<{
  pollingIntervalInMs: number;
  batchSize: number;
  deleteAfterProcess: boolean;
  reclaimIdleMs: number;
  mode: StreamReadMode;
  cardinality: 'one' | 'many';
  concurrency: number;
}> = Object.freeze({
  pollingIntervalInMs: 1000,
  batchSize: 10,
  deleteAfterProcess: false,
  reclaimIdleMs: 60_000,
  mode: 'polling',
  cardinality: 'one',
  concurrency: 10,
});

/** The 1.x extension's defaults, for functions in `v1` mode (function.json apps, `triggerValueFormat: "v1"`). */
export const STREAM_V1_DEFAULTS: typeof STREAM_DEFAULTS = Object.freeze({
  ...STREAM_DEFAULTS,
  pollingIntervalInMs: 1000,
  batchSize: 16,
});

/** The defaults of a value format's mode. */
export function streamDefaults(valueFormat: TriggerValueFormat): typeof STREAM_DEFAULTS {
  return valueFormat === 'v1' ? STREAM_V1_DEFAULTS : STREAM_DEFAULTS;
}

const MODES: readonly StreamReadMode[] = ['polling', 'blocking'];
const CARDINALITIES: readonly ('one' | 'many')[] = ['one', 'many'];

export function parseStreamOptions(
  binding: BindingOptions,
  host: HostConfig,
  valueFormat: TriggerValueFormat,
): StreamTriggerOptions {
  const hostStreams = streamsSection(host);
  const defaults = streamDefaults(valueFormat);
  return Object.freeze({
    connection: binding.string(CONNECTION_NAMES, { required: true }),
    keys: parseKeys(binding, 'stream'),
    pollingIntervalInMs: binding.integer(['pollingIntervalInMs'], defaults.pollingIntervalInMs),
    batchSize: binding.integer(['batchSize', 'maxBatchSize'], defaults.batchSize),
    consumerGroup: binding.string(['consumerGroup'], { resolveSettings: true }) ?? binding.functionName,
    deleteAfterProcess: binding.boolean(['deleteAfterProcess'], STREAM_DEFAULTS.deleteAfterProcess),
    messagesPerWorker: parseMessagesPerWorker(binding),
    reclaimIdleMs: binding.integer(['reclaimIdleMs'], hostStreams.reclaimIdleMs),
    mode: binding.oneOf(['mode'], MODES, hostStreams.mode),
    cardinality: binding.oneOf(['cardinality'], CARDINALITIES, STREAM_DEFAULTS.cardinality),
    concurrency: binding.integer(['concurrency'], STREAM_DEFAULTS.concurrency),
    valueFormat,
    deadLetterKey: parseDeadLetterKey(binding),
  });
}

/** host.json `extensions.redis.streams.{mode,reclaimIdleMs}` (reclaimIdleMs also one level up). */
function streamsSection(host: HostConfig): { mode: StreamReadMode; reclaimIdleMs: number } {
  const redis = host.redisExtension;
  const streams = getCaseInsensitive(redis, 'streams');
  if (streams !== undefined && !isRecord(streams)) {
    throw hostError(host, 'extensions.redis.streams', 'must be an object');
  }
  const section = streams ?? {};
  const mode = getCaseInsensitive(section, 'mode');
  const matched = MODES.find((m) => typeof mode === 'string' && m === mode.toLowerCase());
  if (mode !== undefined && !matched) {
    throw hostError(
      host,
      'extensions.redis.streams.mode',
      `must be one of ${MODES.join(', ')} (found ${JSON.stringify(mode)})`,
    );
  }
  const inStreams = getCaseInsensitive(section, 'reclaimIdleMs');
  const field =
    inStreams !== undefined ? 'extensions.redis.streams.reclaimIdleMs' : 'extensions.redis.reclaimIdleMs';
  const reclaim = inStreams ?? getCaseInsensitive(redis, 'reclaimIdleMs');
  if (reclaim !== undefined && !(typeof reclaim === 'number' && Number.isInteger(reclaim) && reclaim >= 1)) {
    throw hostError(host, field, `must be a whole number >= 1 (found ${JSON.stringify(reclaim)})`);
  }
  return { mode: matched ?? STREAM_DEFAULTS.mode, reclaimIdleMs: reclaim ?? STREAM_DEFAULTS.reclaimIdleMs };
}

function hostError(host: HostConfig, field: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.HOST_JSON_INVALID, `${host.file}: field "${field}" ${problem}.`, {
    file: host.file,
    field,
  });
}
