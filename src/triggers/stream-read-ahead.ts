import type { StreamEntry } from './ports';
import { plural, type StreamConsumer } from './stream-consumer';

/**
 * Reading the next batch while one runs. It is allowed only when no reclaim is due (a reclaim could claim
 * back an entry of the batch being handled), so the read that follows skips the reclaim for certain; a
 * batch read ahead is checked before it runs (stillOurs).
 */
export class ReadAhead {
  /** Set by allow() for the read that follows it. */
  private next = false;
  /** When each batch read ahead was read. */
  private readonly readAt = new WeakMap<readonly StreamEntry[], number>();

  constructor(private readonly c: StreamConsumer) {}

  /** Whether the next read may go out while a batch runs: not while a reclaim is due. */
  allow(reclaimDue: boolean): boolean {
    this.next = !reclaimDue;
    return this.next;
  }

  /** Whether the read now starting goes out ahead; the answer holds for this read only. */
  take(): boolean {
    const ahead = this.next;
    this.next = false;
    return ahead;
  }

  /** A batch read ahead came back now. */
  read(batch: readonly StreamEntry[]): void {
    this.readAt.set(batch, Date.now());
  }

  /**
   * A batch read ahead waited for the one before it. If that took long (slow handlers, retry delays), its
   * entries may have been idle long enough for another consumer to claim them, and running them here too
   * would run them twice. Past half of reclaimIdleMs each entry is taken back only if it is still pending
   * here as first delivered (idle time reset, delivery count kept); the others are another consumer's now.
   */
  async stillOurs(batch: readonly StreamEntry[]): Promise<readonly StreamEntry[]> {
    const readAt = this.readAt.get(batch);
    if (readAt === undefined) return batch; // not read ahead
    const { deps, port, consumer } = this.c;
    const waitedMs = Date.now() - readAt;
    if (waitedMs < deps.fn.options.reclaimIdleMs / 2) return batch;
    const group = deps.fn.options.consumerGroup;
    const kept = await Promise.all(
      batch.map(
        (e) => port.resumeRetry({ key: e.key, group, consumer, id: e.id, attempts: 1 }, 1).catch(() => false), // unknown: left pending, a reclaim runs it
      ),
    );
    const ours = batch.filter((_e, i) => kept[i]);
    const count = batch.length - ours.length;
    if (count > 0) {
      deps.logger.info(
        { functionName: deps.fn.name, count, waitedMs },
        `${plural(count, 'entr')} read ahead waited ${waitedMs}ms and were claimed meanwhile (or could not ` +
          `be checked); not run here`,
      );
    }
    return ours;
  }
}
