import type { StreamEntry } from './ports';

const ref = (key: string, id: string): string => `${key}\n${id}`;

/**
 * What a stream consumer knows about its own pending entries, so that after losing a reply (a read, a
 * claim or an XACK that failed with its connection) it can re-read the entries it never learned it had
 * (XREADGROUP with id 0) without running twice the ones it knows:
 * - held: batches read and not finished (running, or read ahead);
 * - acking: entries whose XACK is on its way; unacked: entries whose XACK failed (acked again first);
 * - acked during an audit: a re-read sent before an XACK returns the entry as pending, and the XACK's reply
 *   may be handled before the re-read's (both in one chunk of replies), so these are known until the next
 *   audit begins (its re-read is sent after their XACK ran);
 * - failed: entries left pending after failing, for a reclaim once idle for reclaimIdleMs (forgotten then:
 *   by that time a re-read runs them as the reclaim would).
 */
export class OwnPending {
  /**
   * Set when a read's, claim's or ack's outcome is unknown; the next fetch re-reads first. Cleared when an
   * audit begins (see beginAudit), so that an outcome lost while it runs calls for another.
   */
  auditDue = false;
  /** An audit (re-ack, then re-read) is under way: entries acked meanwhile are remembered. */
  private auditing = false;
  private readonly ackedDuringAudit = new Set<string>();
  private readonly held = new Set<readonly StreamEntry[]>();
  private readonly acking = new Set<readonly StreamEntry[]>();
  private readonly unackedIds = new Map<string, Set<string>>();
  private readonly failed = new Map<string, number>();

  constructor(private readonly reclaimIdleMs: number) {}

  hold(batch: readonly StreamEntry[]): void {
    if (batch.length > 0) this.held.add(batch);
  }

  /** The batch is done: the succeeded entries' XACK goes out now, the failed ones stay pending. */
  finish(batch: readonly StreamEntry[], succeeded: readonly StreamEntry[]): void {
    this.held.delete(batch);
    if (succeeded.length < batch.length) {
      const ok = new Set(succeeded);
      const now = Date.now();
      for (const entry of batch) if (!ok.has(entry)) this.failed.set(ref(entry.key, entry.id), now);
    }
    if (succeeded.length > 0) this.acking.add(succeeded);
  }

  /** Before the audit's first command is sent: what was acked before it cannot be pending any more. */
  beginAudit(): void {
    this.auditDue = false;
    this.auditing = true;
    this.ackedDuringAudit.clear();
  }

  endAudit(): void {
    this.auditing = false;
    this.ackedDuringAudit.clear();
  }

  /** The XACK of `entries` came back (`ids` of `key` failed, if given: their outcome is unknown). */
  acked(entries: readonly StreamEntry[], failed?: { key: string; ids: readonly string[] }): void {
    if (this.acking.delete(entries) && this.auditing) {
      for (const e of entries) this.ackedDuringAudit.add(ref(e.key, e.id));
    }
    if (!failed) return;
    let ids = this.unackedIds.get(failed.key);
    if (!ids) this.unackedIds.set(failed.key, (ids = new Set()));
    for (const id of failed.ids) ids.add(id);
    this.auditDue = true;
  }

  /** XACKs to send again before re-reading, per key. */
  unacked(): [string, string[]][] {
    return [...this.unackedIds].map(([key, ids]) => [key, [...ids]]);
  }

  /** These XACKs sent again came back; XACKs that failed meanwhile stay to be sent again. */
  reacked(key: string, ids: readonly string[]): void {
    const left = this.unackedIds.get(key);
    if (!left) return;
    for (const id of ids) left.delete(id);
    if (left.size === 0) this.unackedIds.delete(key);
  }

  /**
   * Whether this consumer knows of the entry, taken when a re-read's reply is in: commands run in order, so
   * an entry the re-read returns was still pending when it ran (its XACK came later, failed, or is acked
   * during this audit).
   */
  knows(): (entry: StreamEntry) => boolean {
    const known = new Set<string>(this.ackedDuringAudit);
    for (const batches of [this.held, this.acking])
      for (const batch of batches) for (const e of batch) known.add(ref(e.key, e.id));
    for (const [key, ids] of this.unackedIds) for (const id of ids) known.add(ref(key, id));
    const forgetBefore = Date.now() - this.reclaimIdleMs;
    for (const [entry, at] of this.failed) {
      if (at < forgetBefore) this.failed.delete(entry);
      else known.add(entry);
    }
    return (entry) => known.has(ref(entry.key, entry.id));
  }
}
