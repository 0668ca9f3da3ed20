import type { HostConfig, TriggerValueFormat } from '../config/host-json';
import { getCaseInsensitive, isRecord } from '../config/read-json';
import { ConfigError, ErrorCodes } from '../errors';
import { CONNECTION_NAMES, type BindingOptions } from './binding-options';
import type { ListEnd } from './ports';
import { parseDeadLetterKey, parseKeys, parseMessagesPerWorker } from './keyed-options';
import type { TriggerOptions } from './trigger';

export type ListReadMode = 'polling' | 'blocking';

/** A list trigger's options, validated and defaulted once (defaults in LIST_DEFAULTS). */
export interface ListTriggerOptions extends TriggerOptions {
  /** `keys` (space-delimited, preview) or `key` (1.x); `%Setting%` references resolved. */
  readonly keys: readonly string[];
  /** Wait after an empty or short poll (polling mode). */
  readonly pollingIntervalInMs: number;
  /** Elements per pop (`batchSize` or `maxBatchSize`). */
  readonly batchSize: number;
  /** Where elements are popped: `left` (`listPopFromBeginning: true`, the default) or `right`. */
  readonly direction: ListEnd;
  /**
   * The preview extension's scale hint: when set, target instances = ceil(backlog / messagesPerWorker);
   * unset (undefined), the batch size divides the backlog, as in the 1.x extension.
   */
  readonly messagesPerWorker: number | undefined;
  /** `polling`: pop, sleep after a short batch; `blocking`: BLMPOP / BLPOP / BLMOVE on a connection of its own. */
  readonly mode: ListReadMode;
  /** Move elements to a processing list and remove them after success (at-least-once) instead of popping. */
  readonly reliable: boolean;
  /** Reliable mode: a listener whose heartbeat is older than this is gone; its elements go back to the list. */
  readonly heartbeatTimeoutMs: number;
  /** `one`: an invocation per element; `many`: an invocation per key and batch, with an array. */
  readonly cardinality: 'one' | 'many';
  /** At most this many invocations of the function at once while a batch is handled. */
  readonly concurrency: number;
  /** The function's value shape (host.json `triggerValueFormat`, else its programming model's default). */
  readonly valueFormat: TriggerValueFormat;
  /**
   * Reliable mode: the list an element goes to after its last failed attempt under a retry policy (or a
   * NonRetryableError); `{key}` stands for the list key (default `{key}:deadletter`); undefined when
   * `deadLetter: false`.
   */
  readonly deadLetterKey: string | undefined;
}

export const LIST_DEFAULTS: Readonly<{
  pollingIntervalInMs: number;
  batchSize: number;
  direction: ListEnd;
  mode: ListReadMode;
  reliable: boolean;
  heartbeatTimeoutMs: number;
  cardinality: 'one' | 'many';
  concurrency: number;
}> = Object.freeze({
  pollingIntervalInMs: 1000,
  batchSize: 10,
  direction: 'left',
  mode: 'polling',
  reliable: false,
  heartbeatTimeoutMs: 10_000,
  cardinality: 'one',
  concurrency: 10,
});

/** The 1.x extension's defaults, for functions in `v1` mode (function.json apps, `triggerValueFormat: "v1"`). */
export const LIST_V1_DEFAULTS: typeof LIST_DEFAULTS = Object.freeze({
  ...LIST_DEFAULTS,
  pollingIntervalInMs: 1000,
  batchSize: 16,
});

/** The defaults of a value format's mode. */
export function listDefaults(valueFormat: TriggerValueFormat): typeof LIST_DEFAULTS {
  return valueFormat === 'v1' ? LIST_V1_DEFAULTS : LIST_DEFAULTS;
}

const MODES: readonly ListReadMode[] = ['polling', 'blocking'];
const CARDINALITIES: readonly ('one' | 'many')[] = ['one', 'many'];
const DIRECTIONS: readonly ListEnd[] = ['left', 'right'];

export function parseListOptions(
  binding: BindingOptions,
  host: HostConfig,
  valueFormat: TriggerValueFormat,
): ListTriggerOptions {
  const hostLists = listsSection(host);
  const defaults = listDefaults(valueFormat);
  return Object.freeze({
    connection: binding.string(CONNECTION_NAMES, { required: true }),
    keys: parseKeys(binding, 'list'),
    pollingIntervalInMs: binding.integer(['pollingIntervalInMs'], defaults.pollingIntervalInMs),
    batchSize: binding.integer(['batchSize', 'maxBatchSize'], defaults.batchSize),
    direction: parseDirection(binding),
    messagesPerWorker: parseMessagesPerWorker(binding),
    mode: binding.oneOf(['mode'], MODES, hostLists.mode),
    reliable: binding.boolean(['reliable'], LIST_DEFAULTS.reliable),
    heartbeatTimeoutMs: binding.integer(['heartbeatTimeoutMs'], hostLists.heartbeatTimeoutMs, 100),
    cardinality: binding.oneOf(['cardinality'], CARDINALITIES, LIST_DEFAULTS.cardinality),
    concurrency: binding.integer(['concurrency'], LIST_DEFAULTS.concurrency),
    valueFormat,
    deadLetterKey: parseDeadLetterKey(binding),
  });
}

/** `listDirection` (1.x) or `listPopFromBeginning` (preview); both given must agree. */
function parseDirection(binding: BindingOptions): ListEnd {
  const fromBeginning = binding.find(['listPopFromBeginning'])
    ? binding.boolean(['listPopFromBeginning'], true)
    : undefined;
  const direction = binding.find(['listDirection'])
    ? binding.oneOf(['listDirection'], DIRECTIONS, LIST_DEFAULTS.direction)
    : undefined;
  const implied = fromBeginning === undefined ? undefined : fromBeginning ? 'left' : 'right';
  if (direction && implied && direction !== implied) {
    throw binding.error(
      'listDirection',
      `says '${direction}' but listPopFromBeginning says '${implied}'; give only one of them`,
    );
  }
  return direction ?? implied ?? LIST_DEFAULTS.direction;
}

/** host.json `extensions.redis.lists.{mode,heartbeatTimeoutMs}`. */
function listsSection(host: HostConfig): { mode: ListReadMode; heartbeatTimeoutMs: number } {
  const lists = getCaseInsensitive(host.redisExtension, 'lists');
  if (lists !== undefined && !isRecord(lists))
    throw hostError(host, 'extensions.redis.lists', 'must be an object');
  const section = lists ?? {};
  const mode = getCaseInsensitive(section, 'mode');
  const matched = MODES.find((m) => typeof mode === 'string' && m === mode.toLowerCase());
  if (mode !== undefined && !matched) {
    const found = JSON.stringify(mode);
    throw hostError(
      host,
      'extensions.redis.lists.mode',
      `must be one of ${MODES.join(', ')} (found ${found})`,
    );
  }
  const timeout = getCaseInsensitive(section, 'heartbeatTimeoutMs');
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 100)
  ) {
    const found = JSON.stringify(timeout);
    throw hostError(
      host,
      'extensions.redis.lists.heartbeatTimeoutMs',
      `must be a whole number >= 100 (found ${found})`,
    );
  }
  return {
    mode: matched ?? LIST_DEFAULTS.mode,
    heartbeatTimeoutMs: timeout ?? LIST_DEFAULTS.heartbeatTimeoutMs,
  };
}

function hostError(host: HostConfig, field: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.HOST_JSON_INVALID, `${host.file}: field "${field}" ${problem}.`, {
    file: host.file,
    field,
  });
}
