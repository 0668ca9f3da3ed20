import type { StreamEntry } from './ports';
import type { StreamAcks } from './stream-acks';
import { plural, type StreamConsumer } from './stream-consumer';
import type { OwnPending } from './stream-pending';

/**
 * After a reply was lost: XACKs that failed are sent again, then this consumer's own pending entries are
 * read again (XREADGROUP from id 0) and those it does not know of (delivered by the lost read or claim)
 * are returned, to run now rather than after reclaimIdleMs.
 */
export async function rereadOwn(
  c: StreamConsumer,
  own: OwnPending,
  acks: StreamAcks,
): Promise<StreamEntry[]> {
  own.beginAudit(); // a fetch that fails sets auditDue again
  try {
    await acks.resend();
    return await readOwnPending(c, own);
  } finally {
    own.endAudit();
  }
}

/** This consumer's pending entries (XREADGROUP from 0, a page at a time) that it does not know of. */
async function readOwnPending(c: StreamConsumer, own: OwnPending): Promise<StreamEntry[]> {
  const { deps, port, consumer } = c;
  const o = deps.fn.options;
  const found: StreamEntry[] = [];
  for (const key of o.keys) {
    let after = '0';
    for (;;) {
      const page = await port.readGroup({
        keys: [key],
        group: o.consumerGroup,
        consumer,
        count: o.batchSize,
        pendingAfter: after,
      });
      const knows = own.knows();
      found.push(...page.filter((entry) => !knows(entry)));
      const last = page[page.length - 1];
      if (!last || page.length < o.batchSize) break;
      after = last.id;
    }
  }
  if (found.length > 0) {
    deps.logger.warn(
      { functionName: deps.fn.name, consumer, count: found.length },
      `Read again ${plural(found.length, 'entr')} pending on consumer ${consumer} that a read whose ` +
        `reply was lost delivered; running them now`,
    );
  }
  return found;
}
