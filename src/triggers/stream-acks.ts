import { errorMessage } from '../errors';
import { groupByKey } from './group-by-key';
import type { StreamEntry } from './ports';
import { plural, type StreamConsumer } from './stream-consumer';
import type { OwnPending } from './stream-pending';

/**
 * The XACKs (then XDELs with deleteAfterProcess) of entries that are done with. Sent without waiting:
 * node-redis pipelines an XACK with the next XREADGROUP on the same connection, which Redis runs in order.
 * A failed XACK is recorded in OwnPending and sent again (resend) before the next read.
 */
export class StreamAcks {
  /** XACKs on their way: sent with the next read (one round trip), awaited before leaving the group. */
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly c: StreamConsumer,
    private readonly own: OwnPending,
  ) {}

  /** Sends the XACKs of the entries that succeeded; drain() waits for them. */
  send(entries: readonly StreamEntry[]): void {
    const acked = this.settle(entries).finally(() => this.sending.delete(acked));
    this.sending.add(acked);
  }

  /** Waits for the XACKs on their way. */
  async drain(): Promise<void> {
    await Promise.all(this.sending);
  }

  /** XACKs that failed, sent again (an XACK of an entry no longer pending does nothing). */
  async resend(): Promise<void> {
    const o = this.c.deps.fn.options;
    for (const [key, ids] of this.own.unacked()) {
      await this.c.port.ack(key, o.consumerGroup, ids);
      if (o.deleteAfterProcess) await this.deleteAfterAck(key, ids);
      this.own.reacked(key, ids);
    }
  }

  /** XACK (then XDEL) the entries that succeeded, one call per key; a failed XACK is sent again later. */
  private async settle(entries: readonly StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { deps, port } = this.c;
    const o = deps.fn.options;
    const failed: { key: string; ids: string[] }[] = [];
    await Promise.all(
      [...groupByKey(entries, (e) => e.id)].map(async ([key, ids]) => {
        try {
          await port.ack(key, o.consumerGroup, ids);
        } catch (error) {
          failed.push({ key, ids });
          deps.logger.warn(
            { functionName: deps.fn.name, stream: key, count: ids.length, err: errorMessage(error) },
            `Acknowledging ${plural(ids.length, 'entr')} of '${key}' failed; sent again before the next read`,
          );
          return;
        }
        if (o.deleteAfterProcess) await this.deleteAfterAck(key, ids);
      }),
    );
    this.own.acked(entries);
    for (const f of failed) this.own.acked(entries, f);
  }

  private async deleteAfterAck(key: string, ids: readonly string[]): Promise<void> {
    const { deps, port } = this.c;
    try {
      await port.deleteEntries(key, ids);
    } catch (error) {
      deps.logger.warn(
        { functionName: deps.fn.name, stream: key, count: ids.length, err: errorMessage(error) },
        `Deleting ${plural(ids.length, 'entr')} of '${key}' after processing failed; they stay in the stream`,
      );
    }
  }
}
