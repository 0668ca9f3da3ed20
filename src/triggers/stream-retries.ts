import { errorMessage } from '../errors';
import type { InvocationOutcome, RetryStore } from '../invoke/invoker';
import { deadLetter } from './dead-letter';
import type { RetryMark, StreamEntry } from './ports';
import { plural, type StreamConsumer } from './stream-consumer';

/**
 * Keeps the retries of failed entries in the group's pending entries list, so they outlive this host:
 * after a failed attempt each entry's delivery count is set to the attempts made and its idle time to
 * (reclaimIdleMs - retry delay), so that if this host stops, any consumer claims it when the retry is due
 * and goes on counting. Before the retry, the entry is taken back only if nobody claimed it meanwhile.
 * (A delay longer than reclaimIdleMs is cut to it when this host stops: raise reclaimIdleMs for long waits.)
 */
export function streamRetryStore(
  c: StreamConsumer,
  entries: readonly StreamEntry[],
  firstAttempt: number,
): RetryStore & { handedOver: boolean } {
  const { deps, port, consumer } = c;
  const { fn, logger } = deps;
  const o = fn.options;
  let counted = firstAttempt; // the delivery count the entries have in Redis
  const marks = (): RetryMark[] =>
    entries.map((e) => ({ key: e.key, group: o.consumerGroup, consumer, id: e.id, attempts: counted }));
  const store = {
    handedOver: false,
    failed: async (attempts: number, delayMs: number): Promise<void> => {
      try {
        const idleMs = Math.max(0, o.reclaimIdleMs - delayMs);
        await Promise.all(marks().map((mark) => port.markRetry({ ...mark, attempts }, idleMs)));
        counted = attempts;
      } catch (error) {
        logger.warn(
          { functionName: fn.name, err: errorMessage(error) },
          `Recording the retry of ${plural(entries.length, 'entr')} failed; they are retried in this process`,
        );
      }
    },
    resume: async (attempt: number): Promise<boolean> => {
      try {
        const taken = await Promise.all(marks().map((mark) => port.resumeRetry(mark, attempt)));
        if (taken.every(Boolean)) {
          counted = attempt;
          return true;
        }
        logger.info(
          { functionName: fn.name, ids: entries.map((e) => e.id) },
          `Attempt ${attempt} of '${fn.name}' is left to the consumer that claimed its entries meanwhile`,
        );
      } catch (error) {
        logger.warn(
          { functionName: fn.name, err: errorMessage(error) },
          `Taking back ${plural(entries.length, 'entr')} for a retry failed; they stay pending and are claimed later`,
        );
      }
      store.handedOver = true;
      return false;
    },
  };
  return store;
}

/** Writes the entries to the dead-letter stream; true when done (the caller acks them next). */
export async function deadLetterEntries(
  c: StreamConsumer,
  entries: readonly StreamEntry[],
  record: Pick<InvocationOutcome, 'error' | 'attempt'>,
): Promise<boolean> {
  const { fn, logger } = c.deps;
  try {
    await deadLetter(c.deps, fn.options, entries, record);
    return true;
  } catch (error) {
    logger.error(
      { functionName: fn.name, err: errorMessage(error) },
      `Writing to the dead-letter stream failed; the entries stay pending`,
    );
    return false;
  }
}
