import type { Settings } from '../config/settings';
import { AZURE_DIFFERENCES, type AzureDifferenceId } from './azure-differences';
import type { FunctionDefinition } from '../registration/definition';
import type { BindingOptions } from '../triggers/binding-options';
import type { PackedTriggerType } from './runtime/spec';
import type { Difference } from './types';

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
    rows.push(differenceRow('retries', 'retry'));
  }
  if (triggerType === 'redisPubSubTrigger' && isTrue(options.find(['sharded'])?.value)) {
    rows.push(differenceRow('shardedPubSub', 'sharded: true'));
  }
  if (triggerType === 'redisPubSubTrigger') rows.push(...pubSubLoadRows(options));
  if (triggerType !== 'redisPubSubTrigger') rows.push(...pollingRows(triggerType, definition, options));
  if (triggerType !== 'redisPubSubTrigger') rows.push(...keyRows(definition, options, settings));
  return rows.map((row) => ({ function: definition.name, ...row }));
}

/** `maxBacklog` and `concurrency` of a Pub/Sub function: Azure queues every message and runs one at a time. */
function pubSubLoadRows(options: BindingOptions): Row[] {
  const rows: Row[] = [];
  if (options.find(['maxBacklog']) !== undefined) rows.push(differenceRow('pubSubBacklog', 'maxBacklog'));
  if (options.find(['concurrency']) !== undefined) {
    rows.push(
      differenceRow('concurrency', 'concurrency', {
        local: 'invocations at once; above 1 they may finish out of order',
        azure: 'not available: one invocation at a time, in order',
      }),
    );
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
    rows.push(differenceRow('blockingMode', 'mode: blocking'));
  }
  if (!stream && isTrue(declared('reliable'))) {
    rows.push(differenceRow('reliableLists', 'reliable: true'));
  }
  if (declared('concurrency') !== undefined) {
    rows.push(differenceRow('concurrency', 'concurrency'));
  }
  if (declared('deadLetterKey') !== undefined || declared('deadLetter') !== undefined) {
    rows.push(differenceRow('deadLetters', 'deadLetter / deadLetterKey'));
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
  const azure = `group '<function name>' (e.g. '${definition.name}'), created at 0: reads the stream from its start`;
  // The default group is the function's name, locally as in Azure; only another name differs.
  if (group !== undefined && group !== definition.name) {
    rows.push(
      differenceRow('consumerGroupOption', `consumerGroup: ${group}`, { local: `group '${group}'`, azure }),
    );
  }
  if (isTrue(options.find(['deleteAfterProcess'])?.value)) {
    rows.push(differenceRow('deleteAfterProcess', 'deleteAfterProcess: true'));
  }
  if (options.find(['reclaimIdleMs']) !== undefined) {
    rows.push(differenceRow('streamAck', 'reclaimIdleMs'));
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
      differenceRow('multipleKeys', `${found?.name ?? 'keys'}: ${text}`, {
        local: `the setting holds ${value.trim().split(/\s+/).length} keys here`,
        azure: 'the 1.x extension takes one key: write the keys in the code to get one function per key',
      }),
    ];
  }
  return [];
}

/**
 * A `differs` row: the catalogue's texts (AZURE_DIFFERENCES, also the README's table) unless the function
 * makes them more precise.
 */
export function differenceRow(
  id: AzureDifferenceId,
  option: string,
  precise: Partial<Pick<Row, 'local' | 'azure'>> = {},
): Row {
  const difference = AZURE_DIFFERENCES[id];
  return {
    option,
    local: precise.local ?? difference.redisFunc,
    azure: precise.azure ?? difference.azure,
    severity: 'differs',
    difference: id,
  };
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}
