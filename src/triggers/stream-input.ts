import { messageModel } from '../invoke/model';
import type { StreamEntry } from './ports';
import type { StreamTriggerOptions } from './stream-options';
import type { ManualInput } from './trigger';

/**
 * One entry's value and metadata: `RedisMessageModel { Trigger: key, Message: '{"f":"v"}' }` (or the 1.x
 * `{ Id, Values }` with triggerValueFormat v1), metadata `{ Key, Id, Values }`.
 */
export function entryInput(options: StreamTriggerOptions, entry: StreamEntry): ManualInput {
  const values = { ...entry.fields };
  return {
    input:
      options.valueFormat === 'v1'
        ? { Id: entry.id, Values: values }
        : messageModel(entry.key, JSON.stringify(entry.fields)),
    triggerMetadata: { Key: entry.key, Id: entry.id, Values: values },
  };
}

/** Entries of one key as one invocation (`cardinality: 'many'`): an array, metadata `{ Key, Count, Ids }`. */
export function batchInput(options: StreamTriggerOptions, entries: readonly StreamEntry[]): ManualInput {
  return {
    input: entries.map((entry) => entryInput(options, entry).input),
    triggerMetadata: {
      Key: entries[0]?.key ?? '',
      Count: entries.length,
      Ids: entries.map((entry) => entry.id),
    },
  };
}
