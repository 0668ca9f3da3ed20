import { CONNECTION_NAMES } from './binding-options';
import { requireScalePort, type StreamEntry } from './ports';
import { batchInput, entryInput } from './stream-input';
import { StreamListener } from './stream-listener';
import { parseStreamOptions, type StreamTriggerOptions } from './stream-options';
import { perInstance, type TriggerSpec } from './trigger';

export { STREAM_DEFAULTS, type StreamTriggerOptions, type StreamReadMode } from './stream-options';

export const STREAM_TRIGGER = 'redisStreamTrigger';

export const streamTrigger: TriggerSpec<StreamTriggerOptions> = {
  type: STREAM_TRIGGER,
  optionNames: [
    ...CONNECTION_NAMES,
    'keys',
    'key',
    'pollingIntervalInMs',
    'batchSize',
    'maxBatchSize',
    'consumerGroup',
    'deleteAfterProcess',
    'messagesPerWorker',
    'reclaimIdleMs',
    'mode',
    'cardinality',
    'concurrency',
    'deadLetter',
    'deadLetterKey',
  ],
  parseOptions: parseStreamOptions,
  createListener: (deps) => new StreamListener(deps),
  manualInput: (options, message) => {
    const entry: StreamEntry = {
      key: options.keys[0] ?? '',
      id: `${Date.now()}-0`,
      fields: manualFields(message),
    };
    return options.cardinality === 'many' ? batchInput(options, [entry]) : entryInput(options, entry);
  },
  metadataNames: ['Key', 'Id', 'Values'],
  scaleSample: async (options, ports) => {
    const scale = requireScalePort(ports);
    let backlog = 0;
    let pending: number | undefined;
    for (const key of options.keys) {
      backlog += await scale.streamBacklog(key, options.consumerGroup);
      const held = await scale.streamPending?.(key, options.consumerGroup);
      if (held !== undefined) pending = (pending ?? 0) + held;
    }
    return { backlog, ...perInstance(options), ...(pending === undefined ? {} : { pending }) };
  },
};

/** A manual run's message: a JSON object is taken as the entry's fields, anything else as `{ message }`. */
function manualFields(message: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(
        Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
    }
  } catch {
    // not JSON: a plain message
  }
  return { message };
}
