import type { StreamEntry } from './ports';
import { plural, type StreamConsumer } from './stream-consumer';

/** How often idle pending entries are looked for: half of reclaimIdleMs, between 10 ms and 30 s. */
export function reclaimEveryMs(reclaimIdleMs: number): number {
  return Math.min(30_000, Math.max(10, Math.floor(reclaimIdleMs / 2)));
}

/** XREADGROUP BLOCK time in blocking mode: short enough that reclaim runs on time. */
export function blockMs(reclaimIdleMs: number): number {
  return Math.min(5000, reclaimEveryMs(reclaimIdleMs));
}

/**
 * Claims entries idle for reclaimIdleMs on any consumer of the group (XAUTOCLAIM), key after key, a batch
 * at a time; when every key has been scanned, the next pass is due in reclaimEveryMs.
 */
export class Reclaim {
  private dueAt = 0;
  private key = 0;
  private cursor = '0-0';

  constructor(private readonly c: StreamConsumer) {}

  /** A pass is due (or under way: it goes on where the last claim stopped). */
  get due(): boolean {
    return Date.now() >= this.dueAt;
  }

  async claim(): Promise<StreamEntry[]> {
    const { deps, port, consumer } = this.c;
    const o = deps.fn.options;
    const claimed: StreamEntry[] = [];
    while (this.key < o.keys.length && claimed.length < o.batchSize) {
      const key = o.keys[this.key] as string;
      const result = await port.claimIdle({
        key,
        group: o.consumerGroup,
        consumer,
        minIdleMs: o.reclaimIdleMs,
        count: o.batchSize - claimed.length,
        cursor: this.cursor,
      });
      claimed.push(...result.entries);
      this.cursor = result.cursor;
      if (result.cursor === '0-0') this.key++;
    }
    if (this.key >= o.keys.length) {
      this.key = 0;
      this.cursor = '0-0';
      this.dueAt = Date.now() + reclaimEveryMs(o.reclaimIdleMs);
    }
    if (claimed.length > 0) {
      deps.metrics?.count('reclaimed', deps.fn.name, claimed.length);
      deps.logger.info(
        { functionName: deps.fn.name, consumer, count: claimed.length },
        `Claimed ${plural(claimed.length, 'entr')} pending longer than ${o.reclaimIdleMs}ms ` +
          `(failed before, or left by a consumer that stopped); running them again`,
      );
    }
    return claimed;
  }
}
