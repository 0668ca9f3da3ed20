import type { Settings } from '../config/settings';
import type { FunctionDefinition } from '../registration/definition';
import type { BindingOptions } from '../triggers/binding-options';
import type { PackedTriggerType } from './runtime/spec';
import type { Difference } from './types';

const DEFAULT_GROUP = 'AzureFunctionRedisExtension';

type Row = Omit<Difference, 'function'>;

/** The declared options of one function that Azure's 1.x extension runs differently (or not at all). */
export function differencesOf(
  triggerType: PackedTriggerType,
  definition: FunctionDefinition,
  options: BindingOptions,
  settings: Settings,
): Difference[] {
  const rows: Row[] = [];
  if (definition.retry) {
    rows.push({
      option: 'retry',
      local: 'failed invocations retried in process',
      azure: 'not applied: Azure has no retry policies for Redis triggers',
      severity: 'differs',
    });
  }
  if (triggerType === 'redisPubSubTrigger' && isTrue(options.find(['sharded'])?.value)) {
    rows.push({
      option: 'sharded: true',
      local: 'SSUBSCRIBE: receives SPUBLISH messages of the channel',
      azure: 'not available: the function subscribes with SUBSCRIBE and never sees SPUBLISH messages',
      severity: 'differs',
    });
  }
  if (triggerType === 'redisPubSubTrigger') rows.push(...pubSubLoadRows(options));
  if (triggerType !== 'redisPubSubTrigger') rows.push(...pollingRows(triggerType, definition, options));
  if (triggerType !== 'redisPubSubTrigger') rows.push(...keyRows(definition, options, settings));
  return rows.map((row) => ({ function: definition.name, ...row }));
}

/** `maxBacklog` and `concurrency` of a Pub/Sub function: Azure queues every message and runs one at a time. */
function pubSubLoadRows(options: BindingOptions): Row[] {
  const rows: Row[] = [];
  if (options.find(['maxBacklog']) !== undefined) {
    rows.push({
      option: 'maxBacklog',
      local: 'at most this many messages wait; past it the oldest waiting one is dropped and counted',
      azure: 'not available: every message waits in an unbounded in-process queue',
      severity: 'differs',
    });
  }
  if (options.find(['concurrency']) !== undefined) {
    rows.push({
      option: 'concurrency',
      local: 'bounds parallel invocations',
      azure: 'not available: one invocation at a time, in order',
      severity: 'differs',
    });
  }
  return rows;
}

function pollingRows(
  triggerType: PackedTriggerType,
  definition: FunctionDefinition,
  options: BindingOptions,
): Row[] {
  const rows: Row[] = [];
  const stream = triggerType === 'redisStreamTrigger';
  const declared = (name: string): unknown => options.find([name])?.value;
  const mode = declared('mode');
  if (typeof mode === 'string' && mode.toLowerCase() === 'blocking') {
    rows.push({
      option: 'mode: blocking',
      local: stream ? 'XREADGROUP BLOCK' : 'BLMPOP / BLPOP: handled within milliseconds',
      azure: 'polls every pollingIntervalInMs, sleeping the full interval even after a full batch',
      severity: 'differs',
    });
  }
  if (!stream && isTrue(declared('reliable'))) {
    rows.push({
      option: 'reliable: true',
      local: 'LMOVE to a processing list: nothing lost on a crash',
      azure: 'destructive pops: a failed or crashed invocation loses its element',
      severity: 'differs',
    });
  }
  if (declared('cardinality') !== undefined && String(declared('cardinality')).toLowerCase() === 'many') {
    rows.push({
      option: 'cardinality: many',
      local: 'one invocation per batch, with an array',
      azure: 'one invocation per element; the shim passes an array of one',
      severity: 'differs',
    });
  }
  if (declared('concurrency') !== undefined) {
    rows.push({
      option: 'concurrency',
      local: 'bounds parallel invocations',
      azure: 'not available',
      severity: 'differs',
    });
  }
  if (declared('deadLetterKey') !== undefined || declared('deadLetter') !== undefined) {
    rows.push({
      option: 'deadLetter / deadLetterKey',
      local: 'after the last retry (or a NonRetryableError) the message goes to a dead-letter key',
      azure: 'no dead-lettering: streams ack failures, plain list pops lose them',
      severity: 'differs',
    });
  }
  if (declared('messagesPerWorker') !== undefined) {
    rows.push({
      option: 'messagesPerWorker',
      local: 'preview scale hint',
      azure: 'scale uses maxBatchSize',
      severity: 'note',
    });
  }
  if (stream) rows.push(...streamRows(definition, options));
  return rows;
}

function streamRows(definition: FunctionDefinition, options: BindingOptions): Row[] {
  const rows: Row[] = [];
  const raw = options.find(['consumerGroup'])?.value;
  const group = raw === undefined ? undefined : JSON.stringify(raw).replace(/^"|"$/g, '');
  rows.push({
    option: group === undefined ? 'consumer group (default)' : `consumerGroup: ${group}`,
    local: `group '${typeof group === 'string' ? group : DEFAULT_GROUP}'`,
    azure: `group '<function name>' (e.g. '${definition.name}'), created at 0: reads the stream from its start`,
    severity: group === undefined || group === DEFAULT_GROUP ? 'note' : 'differs',
  });
  if (isTrue(options.find(['deleteAfterProcess'])?.value)) {
    rows.push({
      option: 'deleteAfterProcess: true',
      local: 'XDEL after the ack',
      azure: 'entries stay in the stream',
      severity: 'differs',
    });
  }
  if (options.find(['reclaimIdleMs']) !== undefined) {
    rows.push({
      option: 'reclaimIdleMs',
      local: 'idle pending entries are claimed and processed',
      azure: 'pending entries are never reclaimed',
      severity: 'differs',
    });
  }
  return rows;
}

function keyRows(definition: FunctionDefinition, options: BindingOptions, settings: Settings): Row[] {
  const found = options.find(['keys', 'key']);
  const text = typeof found?.value === 'string' ? found.value.trim() : '';
  const keys = text.split(/\s+/).filter((k) => k !== '');
  if (keys.length > 1) {
    return [
      {
        option: `${found?.name ?? 'keys'}: ${text}`,
        local: `one function over ${keys.length} keys`,
        azure: `one function per key, named ${definition.name}-<key> (see the functions above)`,
        severity: 'note',
      },
    ];
  }
  const setting = /^%([^%]+)%$/.exec(text)?.[1];
  const value = setting === undefined ? undefined : settings.get(setting);
  if (value !== undefined && value.trim().split(/\s+/).length > 1) {
    return [
      {
        option: `${found?.name ?? 'keys'}: ${text}`,
        local: `the setting holds ${value.trim().split(/\s+/).length} keys here`,
        azure: 'the 1.x extension takes one key: write the keys in the code to get one function per key',
        severity: 'differs',
      },
    ];
  }
  return [];
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}
