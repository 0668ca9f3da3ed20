import { ConnectionError, errorMessage } from '../errors';
import { plural, type StreamConsumer } from './stream-consumer';

/** Errors after which the group must be created again (the stream was deleted, or its group destroyed). */
export function isMissingGroup(error: unknown): boolean {
  return /NOGROUP|no longer exists/i.test(errorMessage(error));
}

/**
 * XGROUP CREATE key group 0 MKSTREAM for every key; an existing group is left as it is. At start a lost
 * connection is thrown; otherwise a failure is logged (and nothing more while `stopping()`).
 */
export async function ensureGroups(
  c: StreamConsumer,
  atStart: boolean,
  stopping: () => boolean,
): Promise<void> {
  const { fn, logger } = c.deps;
  const group = fn.options.consumerGroup;
  for (const key of fn.options.keys) {
    try {
      if (await c.port.createGroup(key, group, '0')) {
        logger.info(
          { functionName: fn.name, stream: key, group },
          `Created consumer group '${group}' on '${key}' at 0`,
        );
      }
    } catch (error) {
      if (atStart && error instanceof ConnectionError) throw error;
      if (stopping()) return;
      logger.warn(
        { functionName: fn.name, stream: key, group, err: errorMessage(error) },
        `Creating consumer group '${group}' on '${key}' failed; retrying while reading`,
      );
    }
  }
}

/** XGROUP DELCONSUMER, but only when this consumer has nothing pending (that would drop the entries). */
export async function leaveGroup(c: StreamConsumer): Promise<void> {
  const { fn, logger } = c.deps;
  const group = fn.options.consumerGroup;
  for (const key of fn.options.keys) {
    try {
      const pending = await c.port.pendingCount(key, group, c.consumer);
      if (pending === 0) {
        await c.port.deleteConsumer(key, group, c.consumer);
        continue;
      }
      logger.info(
        { functionName: fn.name, stream: key, consumer: c.consumer, pending },
        `Consumer ${c.consumer} stays in group '${group}' of '${key}' with ${plural(pending, 'entr')} ` +
          `pending; another consumer claims them once idle for ${fn.options.reclaimIdleMs}ms`,
      );
    } catch (error) {
      logger.warn(
        { functionName: fn.name, stream: key, err: errorMessage(error) },
        `Leaving consumer group '${group}' of '${key}' failed`,
      );
    }
  }
}
