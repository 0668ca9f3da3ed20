import { ConfigError, ErrorCodes } from '../errors';
import type { FunctionDefinition } from '../registration/definition';
import { BindingOptions, CONNECTION_NAMES } from '../triggers/binding-options';
import type { Settings } from '../config/settings';
import { differencesOf } from './trigger-differences';
import type { PackedTriggerType } from './runtime/spec';
import type { Difference } from './types';

/** redis-func's defaults, written out so Azure's (e.g. maxBatchSize 16, pattern false) do not apply. */
export const LOCAL_DEFAULTS = Object.freeze({ pollingIntervalInMs: 1000, batchSize: 10, pattern: true });

/** A 1.x trigger binding for one packed function; lists and streams have one per key. */
export interface TranslatedTrigger {
  readonly key: string | undefined;
  readonly binding: Readonly<Record<string, unknown>>;
}

export interface TriggerTranslation {
  readonly triggerType: PackedTriggerType;
  readonly triggers: readonly TranslatedTrigger[];
  readonly cardinality: 'one' | 'many';
  readonly differences: readonly Difference[];
}

const TYPES: readonly PackedTriggerType[] = ['redisPubSubTrigger', 'redisListTrigger', 'redisStreamTrigger'];

/** The declared trigger (preview or 1.x names, any case) as 1.x function.json trigger bindings. */
export function translateTrigger(definition: FunctionDefinition, settings: Settings): TriggerTranslation {
  const triggerType = TYPES.find((t) => t.toLowerCase() === definition.trigger.type.toLowerCase());
  if (!triggerType) {
    throw new ConfigError(
      ErrorCodes.TRIGGER_TYPE_UNKNOWN,
      `Function '${definition.name}' (${definition.source}) has trigger type '${definition.trigger.type}'; ` +
        `redis-func pack translates ${TYPES.join(', ')} only.`,
      { file: definition.source, field: 'type' },
    );
  }
  const options = new BindingOptions(definition.name, definition.trigger, settings, definition.source);
  const base = {
    type: triggerType,
    direction: 'in',
    name: definition.trigger.name,
    connection: options.string(CONNECTION_NAMES, { required: true }),
  };
  const cardinality = options.oneOf(['cardinality'], ['one', 'many'] as const, 'one');
  const differences = differencesOf(triggerType, definition, options, settings);
  if (triggerType === 'redisPubSubTrigger') {
    const binding = {
      ...base,
      channel: options.string(['channel'], { required: true }),
      pattern: options.boolean(['pattern'], LOCAL_DEFAULTS.pattern),
    };
    return { triggerType, triggers: [{ key: undefined, binding }], cardinality, differences };
  }
  const polling = {
    pollingIntervalInMs: options.integer(['pollingIntervalInMs'], LOCAL_DEFAULTS.pollingIntervalInMs),
    maxBatchSize: options.integer(['maxBatchSize', 'batchSize'], LOCAL_DEFAULTS.batchSize),
    ...(triggerType === 'redisListTrigger' ? { listDirection: listDirection(options) } : {}),
  };
  const delivery = {
    // bytes: the worker hands the element over as a Buffer instead of JSON-parsing its text
    ...(triggerType === 'redisListTrigger' ? { dataType: 'binary' } : {}),
    // 1.x batches (an array per poll) when the trigger binding asks for many
    ...(cardinality === 'many' ? { cardinality } : {}),
  };
  const triggers = declaredKeys(options).map((key) => ({
    key,
    binding: { ...base, key, ...polling, ...delivery },
  }));
  return { triggerType, triggers, cardinality, differences };
}

/** `listDirection` (1.x) or `listPopFromBeginning` (preview; true is left). */
function listDirection(options: BindingOptions): 'left' | 'right' {
  if (options.find(['listDirection']))
    return options.oneOf(['listDirection'], ['left', 'right'] as const, 'left');
  return options.boolean(['listPopFromBeginning'], true) ? 'left' : 'right';
}

/** The keys as written (`%Setting%` kept for Azure to resolve); several space-delimited keys split. */
export function declaredKeys(options: BindingOptions): string[] {
  const found = options.find(['keys', 'key']);
  const text = options.string(['keys', 'key'], { required: true });
  const keys = [...new Set(text.split(/\s+/).filter((k) => k !== ''))];
  if (keys.length === 0) throw options.error(found?.name ?? 'keys', 'must name at least one key');
  return keys;
}
