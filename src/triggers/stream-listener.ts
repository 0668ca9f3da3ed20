import { randomUUID } from 'node:crypto';
import { isLastAttempt } from './dead-letter';
import { groupByKey } from './group-by-key';
import { forEachConcurrent, pollingLoopFor, requirePort, type PollingLoop } from './polling';
import type { InvocationOutcome } from '../invoke/invoker';
import { HandoffClock } from '../invoke/run-clocks';
import type { StreamEntry } from './ports';
import { StreamAcks } from './stream-acks';
import { plural, type StreamConsumer } from './stream-consumer';
import { ensureGroups, isMissingGroup, leaveGroup } from './stream-group';
import { batchInput, entryInput } from './stream-input';
import { OwnPending } from './stream-pending';
import { ReadAhead } from './stream-read-ahead';
import { blockMs, Reclaim } from './stream-reclaim';
import { rereadOwn } from './stream-reread';
import { deadLetterEntries, streamRetryStore } from './stream-retries';
import type { StreamTriggerOptions } from './stream-options';
import {
  consumerName,
  type Listener,
  type ListenerDeps,
  type ListenerState,
  type ManualInput,
} from './trigger';

export { blockMs, reclaimEveryMs } from './stream-reclaim';

/**
 * One consumer (a fresh GUID) of the function's group on its stream keys. Reads new entries with
 * XREADGROUP, runs them (at most `concurrency` at once), XACKs the ones that succeeded (then XDEL with
 * deleteAfterProcess). Failed entries stay pending; so do entries of a consumer that died. Both are claimed
 * by whichever consumer of the group looks next, once idle for `reclaimIdleMs`: at-least-once delivery.
 */
export class StreamListener implements Listener {
  state: ListenerState = 'created';
  readonly consumer: string;
  /** What the parts below share: this consumer, its deps and port. */
  private readonly c: StreamConsumer;
  private readonly loop: PollingLoop<StreamEntry>;
  private closing: Promise<void> | undefined;
  /** What this consumer knows it has pending (see OwnPending). */
  private readonly own: OwnPending;
  private readonly acks: StreamAcks;
  private readonly reclaim: Reclaim;
  private readonly readAhead: ReadAhead;

  constructor(private readonly deps: ListenerDeps<StreamTriggerOptions>) {
    this.consumer = consumerName(deps.instance, randomUUID);
    const port = requirePort(deps.ports.streams, deps.fn.name, 'stream');
    this.c = { deps, port, consumer: this.consumer };
    this.own = new OwnPending(deps.fn.options.reclaimIdleMs);
    this.acks = new StreamAcks(this.c, this.own);
    this.reclaim = new Reclaim(this.c);
    this.readAhead = new ReadAhead(this.c);
    this.loop = pollingLoopFor(
      deps,
      (signal) => this.fetch(signal),
      (batch) => this.handle(batch),
      () => this.readAhead.allow(this.reclaim.due),
    );
  }

  private get options(): StreamTriggerOptions {
    return this.deps.fn.options;
  }

  async start(): Promise<void> {
    const { fn, logger } = this.deps;
    const o = this.options;
    this.state = 'starting';
    await ensureGroups(this.c, true, () => this.stopping);
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
    await this.acks.drain();
    await this.acks.resend().catch(() => undefined); // else they stay pending, for another consumer to claim
    if (started) await leaveGroup(this.c);
    this.state = 'closed';
  }

  private async fetch(signal: AbortSignal): Promise<readonly StreamEntry[]> {
    const o = this.options;
    const ahead = this.readAhead.take();
    try {
      if (this.own.auditDue) {
        const found = await rereadOwn(this.c, this.own, this.acks);
        if (found.length > 0) return this.held(found);
      }
      if (!ahead && this.reclaim.due) {
        const claimed = await this.reclaim.claim();
        if (claimed.length > 0) return this.held(claimed);
      }
      const entries = await this.c.port.readGroup({
        keys: o.keys,
        group: o.consumerGroup,
        consumer: this.consumer,
        count: o.batchSize,
        ...(o.mode === 'blocking' ? { blockMs: blockMs(o.reclaimIdleMs) } : {}),
        signal,
        functionName: this.deps.fn.name,
      });
      if (ahead) this.readAhead.read(entries);
      return this.held(entries);
    } catch (error) {
      this.own.auditDue = true; // a read or claim whose reply was lost may have delivered entries to us
      if (!signal.aborted && isMissingGroup(error)) await ensureGroups(this.c, false, () => this.stopping);
      throw error; // the polling loop logs it and backs off
    }
  }

  private held(batch: readonly StreamEntry[]): readonly StreamEntry[] {
    this.own.hold(batch);
    return batch;
  }

  private async handle(read: readonly StreamEntry[]): Promise<void> {
    const batch = await this.readAhead.stillOurs(read);
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
    // Not awaited (pipelined with the next read); close() waits for it.
    this.acks.send(succeeded);
  }

  /** One invocation per entry; resolves with the entries whose invocation succeeded. */
  private async runEach(batch: readonly StreamEntry[]): Promise<StreamEntry[]> {
    const ok: StreamEntry[] = [];
    // A synchronous handler's outcome comes back at once: a batch of them runs without a promise each,
    // handing one clock reading from each invocation to the next (see Invoker.invokeNow).
    const clock = new HandoffClock();
    await forEachConcurrent(batch, this.options.concurrency, (entry, continued) => {
      const reason = `New entry ${entry.id} on stream ${entry.key}`;
      if (!continued) clock.stale(); // a reading from before an await is stale
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
    clock?: HandoffClock,
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
      return deadLetterEntries(this.c, entries, { error, attempt: firstAttempt - 1 });
    }
    const retries = policy ? streamRetryStore(this.c, entries, firstAttempt) : undefined;
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
    return deadLetterEntries(this.c, entries, outcome);
  }
}
