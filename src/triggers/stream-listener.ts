import { randomUUID } from 'node:crypto';
import { ConnectionError, errorMessage } from '../errors';
import { deadLetter, isLastAttempt } from './dead-letter';
import { groupByKey } from './group-by-key';
import { forEachConcurrent, pollingLoopFor, requirePort, type PollingLoop } from './polling';
import type { InvocationOutcome, RetryStore, RunClock } from '../invoke/invoker';
import type { RetryMark, StreamEntry, StreamPort } from './ports';
import { batchInput, entryInput } from './stream-input';
import { OwnPending } from './stream-pending';
import type { StreamTriggerOptions } from './stream-options';
import {
  consumerName,
  type Listener,
  type ListenerDeps,
  type ListenerState,
  type ManualInput,
} from './trigger';

/** How often idle pending entries are looked for: half of reclaimIdleMs, between 10 ms and 30 s. */
export function reclaimEveryMs(reclaimIdleMs: number): number {
  return Math.min(30_000, Math.max(10, Math.floor(reclaimIdleMs / 2)));
}

/** XREADGROUP BLOCK time in blocking mode: short enough that reclaim runs on time. */
export function blockMs(reclaimIdleMs: number): number {
  return Math.min(5000, reclaimEveryMs(reclaimIdleMs));
}

/** Errors after which the group must be created again (the stream was deleted, or its group destroyed). */
function isMissingGroup(error: unknown): boolean {
  return /NOGROUP|no longer exists/i.test(errorMessage(error));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? 'y' : 'ies'}`;

/**
 * One consumer (a fresh GUID) of the function's group on its stream keys. Reads new entries with
 * XREADGROUP, runs them (at most `concurrency` at once), XACKs the ones that succeeded (then XDEL with
 * deleteAfterProcess). Failed entries stay pending; so do entries of a consumer that died. Both are claimed
 * by whichever consumer of the group looks next, once idle for `reclaimIdleMs`: at-least-once delivery.
 */
export class StreamListener implements Listener {
  state: ListenerState = 'created';
  readonly consumer: string;
  private readonly port: StreamPort;
  private readonly loop: PollingLoop<StreamEntry>;
  private reclaimDueAt = 0;
  private reclaimKey = 0;
  private reclaimCursor = '0-0';
  private closing: Promise<void> | undefined;
  /** XACKs on their way: sent with the next read (one round trip), awaited before leaving the group. */
  private readonly acking = new Set<Promise<void>>();
  /** Set by mayReadAhead() for the read that follows it. */
  private readingAhead = false;
  /** When each batch read ahead was read. */
  private readonly readAt = new WeakMap<readonly StreamEntry[], number>();
  /** What this consumer knows it has pending (see OwnPending). */
  private readonly own: OwnPending;

  constructor(private readonly deps: ListenerDeps<StreamTriggerOptions>) {
    this.consumer = consumerName(deps.instance, randomUUID);
    this.port = requirePort(deps.ports.streams, deps.fn.name, 'stream');
    this.own = new OwnPending(deps.fn.options.reclaimIdleMs);
    this.loop = pollingLoopFor(
      deps,
      (signal) => this.fetch(signal),
      (batch) => this.handle(batch),
      () => this.mayReadAhead(),
    );
  }

  private get options(): StreamTriggerOptions {
    return this.deps.fn.options;
  }

  async start(): Promise<void> {
    const { fn, logger } = this.deps;
    const o = this.options;
    this.state = 'starting';
    await this.ensureGroups(true);
    if (this.stopping) return; // closed while connecting: start nothing
    logger.info(
      {
        functionName: fn.name,
        consumer: this.consumer,
        group: o.consumerGroup,
        streams: o.keys,
        mode: o.mode,
      },
      `Function '${fn.name}' reads stream(s) ${o.keys.join(', ')} in group '${o.consumerGroup}' as consumer ` +
        `${this.consumer} (${o.mode}, batch ${o.batchSize}, reclaim after ${o.reclaimIdleMs}ms)`,
    );
    this.loop.start();
    if (this.state === 'starting') this.state = 'running';
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  /** Closing or closed (read through a getter: start() checks it after its awaits). */
  private get stopping(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  private async doClose(): Promise<void> {
    // Only a listener that read joined the group as a consumer (XREADGROUP creates it); one closed while
    // still connecting has nothing to leave and must not wait for Redis.
    const started = this.state === 'running';
    this.state = 'closing';
    await this.loop.close();
    await Promise.all(this.acking);
    await this.reack().catch(() => undefined); // else they stay pending, for another consumer to claim
    if (started) await this.leaveGroup();
    this.state = 'closed';
  }

  /** XGROUP CREATE key group 0 MKSTREAM for every key; an existing group is left as it is. */
  private async ensureGroups(atStart: boolean): Promise<void> {
    const { fn, logger } = this.deps;
    const group = this.options.consumerGroup;
    for (const key of this.options.keys) {
      try {
        if (await this.port.createGroup(key, group, '0')) {
          logger.info(
            { functionName: fn.name, stream: key, group },
            `Created consumer group '${group}' on '${key}' at 0`,
          );
        }
      } catch (error) {
        if (atStart && error instanceof ConnectionError) throw error;
        if (this.stopping) return;
        logger.warn(
          { functionName: fn.name, stream: key, group, err: errorMessage(error) },
          `Creating consumer group '${group}' on '${key}' failed; retrying while reading`,
        );
      }
    }
  }

  /**
   * Whether the next read may go out while a batch runs: not while a reclaim is due (it could claim back
   * an entry of the batch being handled). The read that follows then skips the reclaim for certain.
   */
  private mayReadAhead(): boolean {
    this.readingAhead = Date.now() < this.reclaimDueAt;
    return this.readingAhead;
  }

  private async fetch(signal: AbortSignal): Promise<readonly StreamEntry[]> {
    const o = this.options;
    const ahead = this.readingAhead;
    this.readingAhead = false;
    try {
      if (this.own.auditDue) {
        const found = await this.rereadOwn();
        if (found.length > 0) return this.held(found);
      }
      if (!ahead && Date.now() >= this.reclaimDueAt) {
        const claimed = await this.reclaim();
        if (claimed.length > 0) return this.held(claimed);
      }
      const entries = await this.port.readGroup({
        keys: o.keys,
        group: o.consumerGroup,
        consumer: this.consumer,
        count: o.batchSize,
        ...(o.mode === 'blocking' ? { blockMs: blockMs(o.reclaimIdleMs) } : {}),
        signal,
        functionName: this.deps.fn.name,
      });
      if (ahead) this.readAt.set(entries, Date.now());
      return this.held(entries);
    } catch (error) {
      this.own.auditDue = true; // a read or claim whose reply was lost may have delivered entries to us
      if (!signal.aborted && isMissingGroup(error)) await this.ensureGroups(false);
      throw error; // the polling loop logs it and backs off
    }
  }

  private held(batch: readonly StreamEntry[]): readonly StreamEntry[] {
    this.own.hold(batch);
    return batch;
  }

  /**
   * After a reply was lost: XACKs that failed are sent again, then this consumer's own pending entries are
   * read again (XREADGROUP from id 0) and those it does not know of (delivered by the lost read or claim)
   * are run now rather than after reclaimIdleMs.
   */
  private async rereadOwn(): Promise<StreamEntry[]> {
    this.own.beginAudit(); // a fetch that fails sets auditDue again
    try {
      await this.reack();
      return await this.readOwnPending();
    } finally {
      this.own.endAudit();
    }
  }

  /** This consumer's pending entries (XREADGROUP from 0, a page at a time) that it does not know of. */
  private async readOwnPending(): Promise<StreamEntry[]> {
    const o = this.options;
    const found: StreamEntry[] = [];
    for (const key of o.keys) {
      let after = '0';
      for (;;) {
        const page = await this.port.readGroup({
          keys: [key],
          group: o.consumerGroup,
          consumer: this.consumer,
          count: o.batchSize,
          pendingAfter: after,
        });
        const knows = this.own.knows();
        found.push(...page.filter((entry) => !knows(entry)));
        const last = page[page.length - 1];
        if (!last || page.length < o.batchSize) break;
        after = last.id;
      }
    }
    if (found.length > 0) {
      this.deps.logger.warn(
        { functionName: this.deps.fn.name, consumer: this.consumer, count: found.length },
        `Read again ${plural(found.length, 'entr')} pending on consumer ${this.consumer} that a read whose ` +
          `reply was lost delivered; running them now`,
      );
    }
    return found;
  }

  /**
   * Claims entries idle for reclaimIdleMs on any consumer of the group, key after key, a batch at a time;
   * when every key has been scanned, the next pass is due in reclaimEveryMs.
   */
  private async reclaim(): Promise<StreamEntry[]> {
    const o = this.options;
    const claimed: StreamEntry[] = [];
    while (this.reclaimKey < o.keys.length && claimed.length < o.batchSize) {
      const key = o.keys[this.reclaimKey] as string;
      const result = await this.port.claimIdle({
        key,
        group: o.consumerGroup,
        consumer: this.consumer,
        minIdleMs: o.reclaimIdleMs,
        count: o.batchSize - claimed.length,
        cursor: this.reclaimCursor,
      });
      claimed.push(...result.entries);
      this.reclaimCursor = result.cursor;
      if (result.cursor === '0-0') this.reclaimKey++;
    }
    if (this.reclaimKey >= o.keys.length) {
      this.reclaimKey = 0;
      this.reclaimCursor = '0-0';
      this.reclaimDueAt = Date.now() + reclaimEveryMs(o.reclaimIdleMs);
    }
    if (claimed.length > 0) {
      this.deps.metrics?.count('reclaimed', this.deps.fn.name, claimed.length);
      this.deps.logger.info(
        { functionName: this.deps.fn.name, consumer: this.consumer, count: claimed.length },
        `Claimed ${plural(claimed.length, 'entr')} pending longer than ${o.reclaimIdleMs}ms ` +
          `(failed before, or left by a consumer that stopped); running them again`,
      );
    }
    return claimed;
  }

  private async handle(read: readonly StreamEntry[]): Promise<void> {
    const batch = await this.stillOurs(read);
    if (batch.length === 0) {
      this.own.finish(read, []);
      return;
    }
    const succeeded =
      this.options.cardinality === 'many' ? await this.runBatches(batch) : await this.runEach(batch);
    const failed = batch.length - succeeded.length;
    if (failed > 0) {
      this.deps.logger.warn(
        { functionName: this.deps.fn.name, failed },
        `${plural(failed, 'entr')} of '${this.deps.fn.name}' failed and stay pending; they run again once ` +
          `idle for ${this.options.reclaimIdleMs}ms`,
      );
    }
    this.own.finish(read, succeeded);
    // Not awaited: node-redis pipelines the XACK with the next XREADGROUP on the same connection, which
    // Redis runs in order; close() waits for it.
    const acked = this.settle(succeeded).finally(() => this.acking.delete(acked));
    this.acking.add(acked);
  }

  /**
   * A batch read ahead waited for the one before it. If that took long (slow handlers, retry delays), its
   * entries may have been idle long enough for another consumer to claim them, and running them here too
   * would run them twice. Past half of reclaimIdleMs each entry is taken back only if it is still pending
   * here as first delivered (idle time reset, delivery count kept); the others are another consumer's now.
   */
  private async stillOurs(batch: readonly StreamEntry[]): Promise<readonly StreamEntry[]> {
    const readAt = this.readAt.get(batch);
    if (readAt === undefined) return batch; // not read ahead
    const waitedMs = Date.now() - readAt;
    if (waitedMs < this.options.reclaimIdleMs / 2) return batch;
    const group = this.options.consumerGroup;
    const kept = await Promise.all(
      batch.map(
        (e) =>
          this.port
            .resumeRetry({ key: e.key, group, consumer: this.consumer, id: e.id, attempts: 1 }, 1)
            .catch(() => false), // unknown: left pending, a reclaim runs it
      ),
    );
    const ours = batch.filter((_e, i) => kept[i]);
    const count = batch.length - ours.length;
    if (count > 0) {
      this.deps.logger.info(
        { functionName: this.deps.fn.name, count, waitedMs },
        `${plural(count, 'entr')} read ahead waited ${waitedMs}ms and were claimed meanwhile (or could not ` +
          `be checked); not run here`,
      );
    }
    return ours;
  }

  /** One invocation per entry; resolves with the entries whose invocation succeeded. */
  private async runEach(batch: readonly StreamEntry[]): Promise<StreamEntry[]> {
    const ok: StreamEntry[] = [];
    // A synchronous handler's outcome comes back at once: a batch of them runs without a promise each,
    // handing one clock reading from each invocation to the next (see Invoker.invokeNow).
    const clock: RunClock = { reading: undefined };
    await forEachConcurrent(batch, this.options.concurrency, (entry, continued) => {
      const reason = `New entry ${entry.id} on stream ${entry.key}`;
      if (!continued) clock.reading = undefined; // a reading from before an await is stale
      const done = this.run(entryInput(this.options, entry), reason, [entry], clock);
      if (done === true) ok.push(entry);
      else if (done !== false) {
        return done.then((yes) => {
          if (yes) ok.push(entry);
        });
      }
    });
    return ok;
  }

  /** `cardinality: 'many'`: one invocation per key with that key's entries as an array. */
  private async runBatches(batch: readonly StreamEntry[]): Promise<StreamEntry[]> {
    const ok: StreamEntry[] = [];
    await forEachConcurrent([...groupByKey(batch).values()], this.options.concurrency, async (entries) => {
      const reason = `${entries.length} new entries on stream ${entries[0]?.key ?? ''}`;
      if (await this.run(batchInput(this.options, entries), reason, entries)) ok.push(...entries);
    });
    return ok;
  }

  /**
   * True when the entries are done with: the invocation succeeded, or it failed for the last time and the
   * entries were written to the dead-letter stream (before their XACK, so a crash duplicates, never loses).
   * At once when the handler was synchronous and nothing is left to write.
   */
  private run(
    { input, triggerMetadata }: ManualInput,
    reason: string,
    entries: readonly StreamEntry[],
    clock?: RunClock,
  ): boolean | Promise<boolean> {
    const { fn, invoker } = this.deps;
    // A claimed entry was delivered before: its attempts go on from its delivery count.
    let firstAttempt = 1;
    for (const entry of entries) firstAttempt = Math.max(firstAttempt, entry.deliveries ?? 1);
    const policy = fn.retry;
    if (policy && firstAttempt > policy.maxRetryCount + 1 && this.options.deadLetterKey !== undefined) {
      const error = new Error(
        `delivered ${firstAttempt} times without an outcome: every attempt the retry policy allows ` +
          `(${policy.maxRetryCount + 1}) was started, the last ones by consumers that stopped during them`,
      );
      return this.deadLetter(entries, { error, attempt: firstAttempt - 1 });
    }
    const retries = policy ? this.retryStore(entries, firstAttempt) : undefined;
    const outcome = invoker.invokeNow({ fn, input, triggerMetadata, reason, firstAttempt, retries }, clock);
    return outcome instanceof Promise
      ? outcome.then((ended) => this.afterRun(ended, entries, retries))
      : this.afterRun(outcome, entries, retries);
  }

  /** What `run` resolves with once the invocation ended. */
  private afterRun(
    outcome: InvocationOutcome,
    entries: readonly StreamEntry[],
    retries: { readonly handedOver: boolean } | undefined,
  ): boolean | Promise<boolean> {
    if (outcome.status === 'succeeded') return true;
    if (retries?.handedOver) return false;
    if (!isLastAttempt(outcome, this.deps, this.options.deadLetterKey)) return false;
    return this.deadLetter(entries, outcome);
  }

  /**
   * Keeps the retries of failed entries in the group's pending entries list, so they outlive this host:
   * after a failed attempt each entry's delivery count is set to the attempts made and its idle time to
   * (reclaimIdleMs - retry delay), so that if this host stops, any consumer claims it when the retry is due
   * and goes on counting. Before the retry, the entry is taken back only if nobody claimed it meanwhile.
   * (A delay longer than reclaimIdleMs is cut to it when this host stops: raise reclaimIdleMs for long waits.)
   */
  private retryStore(
    entries: readonly StreamEntry[],
    firstAttempt: number,
  ): RetryStore & { handedOver: boolean } {
    const { fn, logger } = this.deps;
    const o = this.options;
    let counted = firstAttempt; // the delivery count the entries have in Redis
    const marks = (): RetryMark[] =>
      entries.map((e) => ({
        key: e.key,
        group: o.consumerGroup,
        consumer: this.consumer,
        id: e.id,
        attempts: counted,
      }));
    const store = {
      handedOver: false,
      failed: async (attempts: number, delayMs: number): Promise<void> => {
        try {
          const idleMs = Math.max(0, o.reclaimIdleMs - delayMs);
          await Promise.all(marks().map((mark) => this.port.markRetry({ ...mark, attempts }, idleMs)));
          counted = attempts;
        } catch (error) {
          logger.warn(
            { functionName: fn.name, err: errorMessage(error) },
            `Recording the retry of ${plural(entries.length, 'entr')} failed; they are retried in this process`,
          );
        }
      },
      resume: async (attempt: number): Promise<boolean> => {
        try {
          const taken = await Promise.all(marks().map((mark) => this.port.resumeRetry(mark, attempt)));
          if (taken.every(Boolean)) {
            counted = attempt;
            return true;
          }
          logger.info(
            { functionName: fn.name, ids: entries.map((e) => e.id) },
            `Attempt ${attempt} of '${fn.name}' is left to the consumer that claimed its entries meanwhile`,
          );
        } catch (error) {
          logger.warn(
            { functionName: fn.name, err: errorMessage(error) },
            `Taking back ${plural(entries.length, 'entr')} for a retry failed; they stay pending and are claimed later`,
          );
        }
        store.handedOver = true;
        return false;
      },
    };
    return store;
  }

  /** Writes the entries to the dead-letter stream; true when done (the caller acks them next). */
  private async deadLetter(
    entries: readonly StreamEntry[],
    record: Pick<InvocationOutcome, 'error' | 'attempt'>,
  ): Promise<boolean> {
    const { fn } = this.deps;
    try {
      await deadLetter(this.deps, this.options, entries, record);
      return true;
    } catch (error) {
      this.deps.logger.error(
        { functionName: fn.name, err: errorMessage(error) },
        `Writing to the dead-letter stream failed; the entries stay pending`,
      );
      return false;
    }
  }

  /** XACK (then XDEL) the entries that succeeded, one call per key; a failed XACK is sent again later. */
  private async settle(entries: readonly StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const o = this.options;
    const failed: { key: string; ids: string[] }[] = [];
    await Promise.all(
      [...groupByKey(entries, (e) => e.id)].map(async ([key, ids]) => {
        try {
          await this.port.ack(key, o.consumerGroup, ids);
        } catch (error) {
          failed.push({ key, ids });
          this.deps.logger.warn(
            { functionName: this.deps.fn.name, stream: key, count: ids.length, err: errorMessage(error) },
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
    try {
      await this.port.deleteEntries(key, ids);
    } catch (error) {
      this.deps.logger.warn(
        { functionName: this.deps.fn.name, stream: key, count: ids.length, err: errorMessage(error) },
        `Deleting ${plural(ids.length, 'entr')} of '${key}' after processing failed; they stay in the stream`,
      );
    }
  }

  /** XACKs that failed, sent again (an XACK of an entry no longer pending does nothing). */
  private async reack(): Promise<void> {
    const o = this.options;
    for (const [key, ids] of this.own.unacked()) {
      await this.port.ack(key, o.consumerGroup, ids);
      if (o.deleteAfterProcess) await this.deleteAfterAck(key, ids);
      this.own.reacked(key, ids);
    }
  }

  /** XGROUP DELCONSUMER, but only when this consumer has nothing pending (that would drop the entries). */
  private async leaveGroup(): Promise<void> {
    const { fn, logger } = this.deps;
    const group = this.options.consumerGroup;
    for (const key of this.options.keys) {
      try {
        const pending = await this.port.pendingCount(key, group, this.consumer);
        if (pending === 0) {
          await this.port.deleteConsumer(key, group, this.consumer);
          continue;
        }
        logger.info(
          { functionName: fn.name, stream: key, consumer: this.consumer, pending },
          `Consumer ${this.consumer} stays in group '${group}' of '${key}' with ${plural(pending, 'entr')} ` +
            `pending; another consumer claims them once idle for ${this.options.reclaimIdleMs}ms`,
        );
      } catch (error) {
        logger.warn(
          { functionName: fn.name, stream: key, err: errorMessage(error) },
          `Leaving consumer group '${group}' of '${key}' failed`,
        );
      }
    }
  }
}
