import { messageModel } from '../invoke/model';
import type { StreamEntry } from './ports';
import type { StreamTriggerOptions } from './stream-options';
import type { ManualInput } from './trigger';

/**
 * One entry's value and metadata: `RedisMessageModel { Trigger: key, Message: '{"f":"v"}' }` (or the 1.x
 * `{ Id, Values }` with triggerValueFormat v1), metadata `{ Key, Id, Values }`.
 */
export function entryInput(options: StreamTriggerOptions, entry: StreamEntry): ManualInput {
  return {
    input: entryValue(options, entry),
    triggerMetadata: { Key: entry.key, Id: entry.id, Values: { ...entry.fields } },
  };
}

/** What the handler gets for one entry. */
function entryValue(options: StreamTriggerOptions, entry: StreamEntry): unknown {
  return options.valueFormat === 'v1'
    ? { Id: entry.id, Values: { ...entry.fields } }
    : messageModel(entry.key, JSON.stringify(entry.fields));
}

/** Entries of one key as one invocation (`cardinality: 'many'`): an array, metadata `{ Key, Count, Ids }`. */
export function batchInput(options: StreamTriggerOptions, entries: readonly StreamEntry[]): ManualInput {
  return {
    input: entries.map((entry) => entryValue(options, entry)),
    triggerMetadata: {
      Key: entries[0]?.key ?? '',
      Count: entries.length,
      Ids: entries.map((entry) => entry.id),
    },
  };
}
