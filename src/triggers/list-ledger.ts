import type { ListAuditRequest, ListElement, ListEnd, ListReceipt } from './ports';

/**
 * What a reliable list listener knows it has in its processing lists, so that after losing a reply it can
 * tell its own running elements from the ones it never learned it owned:
 * - held: the batches it moved and has not finished (running, or fetched ahead), less the elements already
 *   sent back to their list after a failure;
 * - removals: removals of handled elements whose reply has not come (in flight, or lost), each with the
 *   receipt it records in Redis together with the removal.
 * `auditDue` is set when a command's outcome is unknown (a failed move, removal or requeue); the next fetch
 * then audits the processing lists before moving more (ListPort.audit).
 */
export class ProcessingLedger {
  auditDue = false;
  private readonly held = new Map<readonly ListElement[], ListElement[]>();
  /** Receipt id -> values per key, while the removal's outcome is unknown. */
  private readonly removals = new Map<string, Map<string, string[]>>();
  /** Per key: receipts of removals known to be done, dropped from Redis with the next removal of that key. */
  private readonly confirmed = new Map<string, string[]>();
  /** Per key: the receipts an audit sent is about (removals of unknown outcome, confirmed ones it clears). */
  private readonly auditing = new Map<string, { removals: string[]; confirmed: string[] }>();
  private sequence = 0;

  /** A batch the move returned. */
  hold(batch: readonly ListElement[]): void {
    if (batch.length > 0) this.held.set(batch, []);
  }

  /** Elements of a held batch on their way back to their list (requeued after a failure). */
  release(batch: readonly ListElement[], elements: readonly ListElement[]): void {
    this.held.get(batch)?.push(...elements);
  }

  /** The batch is done; its handled elements' removal goes out now, with the receipt returned. */
  finish(batch: readonly ListElement[], handled: readonly ListElement[]): ListReceipt | undefined {
    this.held.delete(batch);
    if (handled.length === 0) return undefined;
    const id = (++this.sequence).toString(36);
    const values = new Map<string, string[]>();
    const forget = new Map<string, string[]>();
    for (const { key, value } of handled) {
      let list = values.get(key);
      if (!list) {
        values.set(key, (list = []));
        const done = this.confirmed.get(key);
        if (done) forget.set(key, done);
        this.confirmed.delete(key);
      }
      list.push(value);
    }
    this.removals.set(id, values);
    return { id, forget };
  }

  /** The removal's reply came: its receipt can go. */
  removed(receipt: ListReceipt): void {
    const values = this.removals.get(receipt.id);
    this.removals.delete(receipt.id);
    for (const key of values?.keys() ?? []) {
      const done = this.confirmed.get(key);
      if (done) done.push(receipt.id);
      else this.confirmed.set(key, [receipt.id]);
    }
  }

  /** What the audit of `key` needs, taken when it is sent (commands sent before it run before it). */
  auditRequest(key: string, owner: string, to: ListEnd): ListAuditRequest {
    const held: string[] = [];
    for (const [batch, released] of this.held) {
      const out = released.filter((e) => e.key === key).map((e) => e.value);
      for (const element of batch) {
        if (element.key !== key) continue;
        const i = out.indexOf(element.value);
        if (i >= 0) out.splice(i, 1);
        else held.push(element.value);
      }
    }
    const removals: { id: string; values: string[] }[] = [];
    for (const [id, byKey] of this.removals) {
      const values = byKey.get(key);
      if (values) removals.push({ id, values });
    }
    const confirmed = [...(this.confirmed.get(key) ?? [])];
    this.auditing.set(key, { removals: removals.map((r) => r.id), confirmed });
    return { key, owner, to, held, removals };
  }

  /**
   * The audit of `key` settled the removals it was sent with and cleared the receipts then recorded. A
   * removal that went out after it (a batch finished meanwhile) is still waited for, its receipt kept.
   */
  audited(key: string): void {
    const sent = this.auditing.get(key);
    this.auditing.delete(key);
    for (const id of sent?.removals ?? []) {
      const byKey = this.removals.get(id);
      byKey?.delete(key);
      if (byKey?.size === 0) this.removals.delete(id);
    }
    const cleared = new Set(sent?.confirmed);
    const left = this.confirmed.get(key)?.filter((id) => !cleared.has(id)) ?? [];
    if (left.length > 0) this.confirmed.set(key, left);
    else this.confirmed.delete(key);
  }
}
