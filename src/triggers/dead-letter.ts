import { errorMessage } from '../errors';
import type { InvocationOutcome } from '../invoke/invoker';
import { DEFAULT_DEAD_LETTER_KEY } from './keyed-options';
import type { ListElement, StreamEntry } from './ports';
import type { StreamTriggerOptions } from './stream-options';
import type { ListenerDeps, TriggerOptions } from './trigger';

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
  record: Pick<InvocationOutcome, 'error' | 'attempt'>,
): Promise<void> {
  const { fn, ports, logger } = deps;
  if (!ports.commands) throw new Error('this broker cannot write the dead-letter stream');
  const template = options.deadLetterKey ?? DEFAULT_DEAD_LETTER_KEY;
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
    deps.metrics?.count('deadLettered', fn.name);
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

/**
 * A failure is final when a dead-letter key is set and, not while the host closes, the function has a
 * retry policy (its retries are used up) or the handler threw a NonRetryableError.
 */
export function isLastAttempt(
  record: InvocationOutcome,
  deps: ListenerDeps<TriggerOptions>,
  deadLetterKey: string | undefined,
): boolean {
  if (deadLetterKey === undefined || deps.invoker.closing) return false;
  const nonRetryable = (record.error as { name?: unknown } | undefined)?.name === 'NonRetryableError';
  return nonRetryable || deps.fn.retry !== undefined;
}

/**
 * Reliable lists: appends each element to its dead-letter list as JSON `{ value, key, function, error,
 * attempts }` (before it leaves the processing list). Resolves false when that failed: the element is then
 * requeued as any failure is.
 */
export async function deadLetterElements(
  deps: ListenerDeps<TriggerOptions>,
  template: string,
  elements: readonly ListElement[],
  record: InvocationOutcome,
): Promise<boolean> {
  const { fn, ports, logger } = deps;
  try {
    if (!ports.commands) throw new Error('this broker cannot write the dead-letter list');
    for (const element of elements) {
      const target = deadLetterKeyFor(template, element.key);
      const error = errorMessage(record.error);
      const payload = {
        value: element.value,
        key: element.key,
        function: fn.name,
        error,
        attempts: record.attempt,
      };
      await ports.commands.execute(['RPUSH', target, JSON.stringify(payload)]);
      deps.metrics?.count('deadLettered', fn.name);
      logger.warn(
        {
          functionName: fn.name,
          key: element.key,
          list: element.key,
          deadLetter: target,
          attempts: record.attempt,
        },
        `An element of '${element.key}' failed ${record.attempt} time(s); moved to '${target}'`,
      );
    }
    return true;
  } catch (error) {
    logger.error(
      { functionName: fn.name, err: errorMessage(error) },
      'Writing to the dead-letter list failed',
    );
    return false;
  }
}
