import { errorMessage } from '../errors';
import type { InvocationOutcome } from '../invoke/invoker';
import { deadLetterElements, isLastAttempt } from './dead-letter';
import { ProcessingLedger } from './list-ledger';
import { LIST_BLOCK_MS, LIST_ROTATING_BLOCK_MS, plural, type ListOwner } from './list-owner';
import type { ListElement, ListEnd } from './ports';

const opposite = (end: ListEnd): ListEnd => (end === 'left' ? 'right' : 'left');

/**
 * Reliable mode: the processing lists of this listener. Moves batches into them (LMOVE), removes the
 * handled elements once a batch is done, sends failed ones back to the far end of their list (or to the
 * dead-letter list after the last attempt), and after a lost reply audits them before moving more.
 */
export class ProcessingLists {
  /** What this listener holds in its processing lists (see ProcessingLedger). */
  private readonly ledger = new ProcessingLedger();
  private turn = 0;

  constructor(private readonly c: ListOwner) {}

  /** A command's outcome is unknown: the processing lists are to be audited. */
  get auditDue(): boolean {
    return this.ledger.auditDue;
  }

  /** The next batch, moved to the processing lists; audited first when a reply was lost. */
  fetch(signal: AbortSignal): Promise<ListElement[]> {
    return this.ledger.auditDue ? this.auditThenMove(signal) : this.move(signal);
  }

  /** LMOVE a batch to the processing lists; a move that fails may have moved it all the same. */
  private async move(signal: AbortSignal): Promise<ListElement[]> {
    const { deps, port, owner } = this.c;
    const o = deps.fn.options;
    const blockMs = o.keys.length > 1 ? LIST_ROTATING_BLOCK_MS : LIST_BLOCK_MS;
    try {
      const batch = await port.moveToProcessing({
        keys: this.rotatedKeys(),
        owner,
        from: o.direction,
        count: o.batchSize,
        ...(o.mode === 'blocking' ? { blockMs } : {}),
        signal,
        functionName: deps.fn.name,
      });
      this.ledger.hold(batch);
      return batch;
    } catch (error) {
      this.ledger.auditDue = true;
      throw error; // the polling loop logs it and backs off
    }
  }

  private async auditThenMove(signal: AbortSignal): Promise<ListElement[]> {
    await this.audit();
    return this.move(signal);
  }

  /**
   * After a reply was lost: each processing list of this listener keeps what it holds (running, or handled
   * and on its way out); the rest (a move's elements it never learned it owned) returns to the head of the
   * list, in order, as a gone listener's does, and is fetched next. Runs where no move is in flight.
   */
  async audit(): Promise<void> {
    const { deps, port, owner } = this.c;
    const { fn, logger } = deps;
    const o = fn.options;
    // Cleared before the first command: a removal or requeue that fails while this runs calls for another.
    this.ledger.auditDue = false;
    for (const key of o.keys) {
      let returned: number;
      try {
        returned = await port.audit(this.ledger.auditRequest(key, owner, o.direction));
      } catch (error) {
        this.ledger.auditDue = true;
        throw error;
      }
      this.ledger.audited(key);
      if (returned === 0) continue;
      logger.warn(
        { functionName: fn.name, key, list: key, count: returned, owner },
        `Returned ${plural(returned)} of '${fn.name}' that a move whose reply was lost left in the ` +
          `processing list of ${owner} to the head of '${key}', to run next`,
      );
    }
  }

  /** Each fetch starts at the next key, so no key waits behind a busy one. */
  private rotatedKeys(): string[] {
    const keys = this.c.deps.fn.options.keys;
    const start = this.turn++ % keys.length;
    return [...keys.slice(start), ...keys.slice(0, start)];
  }

  /**
   * Failed elements of `batch`: dead-lettered after the last attempt (then done with: pushed to `handled`),
   * else back to the list (the requeue pushed to `requeuing`).
   */
  async afterFailure(
    batch: readonly ListElement[],
    elements: readonly ListElement[],
    record: InvocationOutcome,
    handled: ListElement[],
    requeuing: Promise<void>[],
  ): Promise<void> {
    const { deps } = this.c;
    const o = deps.fn.options;
    if (isLastAttempt(record, deps, o.deadLetterKey)) {
      if (await deadLetterElements(deps, o.deadLetterKey ?? '', elements, record)) {
        handled.push(...elements);
        return;
      }
    }
    this.ledger.release(batch, elements);
    requeuing.push(this.requeue(elements));
  }

  /** The batch is done; its handled elements out of the processing lists. */
  async removeHandled(batch: readonly ListElement[], elements: readonly ListElement[]): Promise<void> {
    const receipt = this.ledger.finish(batch, elements);
    if (!receipt) return;
    try {
      await this.c.port.removeProcessed(this.c.owner, elements, receipt);
      this.ledger.removed(receipt);
    } catch (error) {
      this.settleFailed(error, elements);
    }
  }

  /** Failed elements out of the processing list and back to the far end of their list. */
  private async requeue(elements: readonly ListElement[]): Promise<void> {
    const { deps, port, owner } = this.c;
    const { fn, logger } = deps;
    const to = opposite(fn.options.direction);
    await Promise.all(
      elements.map((element) =>
        port.requeue(owner, element, to).catch((error: unknown) => this.settleFailed(error, [element])),
      ),
    );
    logger.warn(
      { functionName: fn.name, key: elements[0]?.key, list: elements[0]?.key, count: elements.length },
      `${plural(elements.length)} of '${fn.name}' failed; back at the ${to} end of the list to run again`,
    );
  }

  /** The outcome is unknown: the next fetch audits the processing lists first. */
  private settleFailed(error: unknown, elements: readonly ListElement[]): void {
    this.ledger.auditDue = true;
    const { deps, owner } = this.c;
    const key = elements[0]?.key ?? '';
    deps.logger.warn(
      { functionName: deps.fn.name, key, list: key, count: elements.length, err: errorMessage(error) },
      `Settling ${plural(elements.length)} of '${key}' failed; the processing list of ${owner} is ` +
        `checked before the next batch`,
    );
  }
}
