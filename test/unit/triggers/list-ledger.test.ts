import { ProcessingLedger } from '../../../src/triggers/list-ledger';
import type { ListElement } from '../../../src/triggers/ports';

const el = (value: string): ListElement => ({ key: 'jobs', value });

describe('ProcessingLedger', () => {
  it('an audit settles only the removals it was sent with; one sent after it is still waited for', () => {
    const ledger = new ProcessingLedger();
    const first = [el('a')];
    const second = [el('b')];
    ledger.hold(first);
    ledger.hold(second);
    const r1 = ledger.finish(first, first);
    const request = ledger.auditRequest('jobs', 'me', 'left');
    expect(request.removals).toEqual([{ id: r1?.id, values: ['a'] }]);
    expect(request.held).toEqual(['b']);
    // The second batch finishes while the audit is on its way: its removal goes out after the audit.
    const r2 = ledger.finish(second, second);
    ledger.audited('jobs');
    expect(ledger.auditRequest('jobs', 'me', 'left').removals).toEqual([{ id: r2?.id, values: ['b'] }]);
  });

  it('an audit clears the confirmed receipts it was sent after; later ones are forgotten with the next removal', () => {
    const ledger = new ProcessingLedger();
    const [one, two, three] = [[el('a')], [el('b')], [el('c')]];
    for (const batch of [one, two, three]) ledger.hold(batch);
    const r1 = ledger.finish(one, one);
    if (r1) ledger.removed(r1);
    ledger.auditRequest('jobs', 'me', 'left'); // the audit deletes the receipts in Redis: r1's
    const r2 = ledger.finish(two, two); // sent after the audit: its receipt stays in Redis
    expect(r2?.forget.get('jobs')).toEqual([r1?.id]);
    if (r2) ledger.removed(r2);
    ledger.audited('jobs');
    expect(ledger.finish(three, three)?.forget.get('jobs')).toEqual([r2?.id]);
  });
});
