import { errorMessage } from '../errors';
import type { InvocationRecord } from '../invoke/invoker';
import type { StreamEntry } from './ports';
import type { StreamTriggerOptions } from './stream-options';
import type { ListenerDeps } from './trigger';

/** The dead-letter stream of a key: the `deadLetterKey` template with `{key}` filled in. */
export function deadLetterKeyFor(template: string, key: string): string {
  return template.split('{key}').join(key);
}

/**
 * Writes each entry to its dead-letter stream with where it came from (`id`, `key`), its `fields` as JSON,
 * the `function`, the `error` and the `attempts` made. The caller acks the entries afterwards.
 */
export async function deadLetter(
  deps: ListenerDeps<StreamTriggerOptions>,
  options: StreamTriggerOptions,
  entries: readonly StreamEntry[],
  record: InvocationRecord,
): Promise<void> {
  const { fn, ports, logger } = deps;
  if (!ports.commands) throw new Error('this broker cannot write the dead-letter stream');
  const template = options.deadLetterKey ?? '{key}:deadletter';
  for (const entry of entries) {
    const target = deadLetterKeyFor(template, entry.key);
    await ports.commands.execute([
      'XADD',
      target,
      '*',
      'id',
      entry.id,
      'key',
      entry.key,
      'function',
      fn.name,
      'error',
      errorMessage(record.error),
      'attempts',
      String(record.attempt),
      'fields',
      JSON.stringify(entry.fields),
    ]);
    logger.warn(
      {
        functionName: fn.name,
        id: entry.id,
        stream: entry.key,
        deadLetter: target,
        attempts: record.attempt,
      },
      `Entry ${entry.id} of '${entry.key}' failed ${record.attempt} time(s); moved to '${target}'`,
    );
  }
}
