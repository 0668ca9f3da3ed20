import type { StreamEntry } from '../../../src/triggers/ports';
import { OwnPending } from '../../../src/triggers/stream-pending';

/**
 * What a stream consumer knows of its own pending entries while it audits them (re-acks, then re-reads from
 * id 0) after a lost reply, with replies and failures arriving in the orders a crashing Redis produces.
 */
const entries = (...ids: string[]): StreamEntry[] => ids.map((id) => ({ key: 's', id, fields: {} }));

/** A batch run and its XACK sent. */
function ran(own: OwnPending, batch: readonly StreamEntry[]): void {
  own.hold(batch);
  own.finish(batch, batch);
}

it('an XACK whose reply is handled before a re-read sent ahead of it: the entry is still known', () => {
  const own = new OwnPending(600_000);
  const batch = entries('1-0', '1-1');
  ran(own, batch);
  own.beginAudit(); // XREADGROUP 0 sent before the XACK ran: its reply lists the batch as pending
  own.acked(batch); // both replies in one chunk: the XACK's handled first
  const knows = own.knows();
  expect(batch.filter((e) => !knows(e))).toEqual([]);
  own.endAudit();
  own.beginAudit(); // a later audit's re-read runs after the XACK: nothing to remember
  expect(own.knows()(entries('1-0')[0] as StreamEntry)).toBe(false);
});

it('outside an audit, acked entries are not kept (no growth without failures)', () => {
  const own = new OwnPending(600_000);
  const batch = entries('1-0');
  ran(own, batch);
  own.acked(batch);
  own.beginAudit();
  expect(own.knows()(batch[0] as StreamEntry)).toBe(false);
});

it('an XACK that fails while failed XACKs are sent again stays to be sent again, and known', () => {
  const own = new OwnPending(600_000);
  const first = entries('1-0');
  const second = entries('2-0');
  ran(own, first);
  own.acked(first, { key: 's', ids: ['1-0'] });
  ran(own, second);
  own.beginAudit();
  const resent = own.unacked();
  expect(resent).toEqual([['s', ['1-0']]]);
  own.acked(second, { key: 's', ids: ['2-0'] }); // fails while the re-ack is on its way
  own.reacked('s', ['1-0']);
  expect(own.unacked()).toEqual([['s', ['2-0']]]);
  expect(own.knows()(second[0] as StreamEntry)).toBe(true);
});

it('an outcome lost during an audit calls for another audit', () => {
  const own = new OwnPending(600_000);
  own.auditDue = true;
  own.beginAudit();
  expect(own.auditDue).toBe(false);
  const batch = entries('3-0');
  ran(own, batch);
  own.acked(batch, { key: 's', ids: ['3-0'] }); // its XACK fails while the re-read is on its way
  own.endAudit();
  expect(own.auditDue).toBe(true);
  expect(own.unacked()).toEqual([['s', ['3-0']]]);
});
