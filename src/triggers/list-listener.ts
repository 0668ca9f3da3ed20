import { randomUUID } from 'node:crypto';
import { ConfigError, ErrorCodes, errorMessage } from '../errors';
import { elementInput, elementsInput } from './list-input';
import type { ListTriggerOptions } from './list-options';
import type { InvocationOutcome, RunClock } from '../invoke/invoker';
import { deadLetterElements, isLastAttempt } from './dead-letter';
import { groupByKey } from './group-by-key';
import { ProcessingLedger } from './list-ledger';
import { forEachConcurrent, pollingLoopFor, requirePort, type PollingLoop } from './polling';
import type { ListElement, ListEnd, ListPopCommand, ListPort } from './ports';
import type { Listener, ListenerDeps, ListenerState } from './trigger';

/** How long one blocking read waits before it is issued again (BLMPOP, BLPOP, single-key BLMOVE). */
export const LIST_BLOCK_MS = 5000;
/** Reliable blocking mode over several keys: BLMOVE takes one key, so it waits this long on each in turn. */
export const LIST_ROTATING_BLOCK_MS = 100;

/** The pop a server supports: LMPOP from 7.0, LPOP with a count from 6.2, single pops before. */
export function popCommandFor(version: string): ListPopCommand {
  if (versionAtLeast(version, 7, 0)) return 'lmpop';
  return versionAtLeast(version, 6, 2) ? 'pop-count' : 'pop-one';
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return a > major || (a === major && b >= minor);
}

/** The heartbeat is renewed (and gone listeners looked for) three times per heartbeatTimeoutMs. */
export function heartbeatEveryMs(heartbeatTimeoutMs: number): number {
  return Math.max(30, Math.floor(heartbeatTimeoutMs / 3));
}

const opposite = (end: ListEnd): ListEnd => (end === 'left' ? 'right' : 'left');
const isGroup = (group: ListElement | readonly ListElement[]): group is readonly ListElement[] =>
  Array.isArray(group);
const plural = (n: number): string => `${n} element${n === 1 ? '' : 's'}`;

/**
 * Pops batches from the function's lists and runs an invocation per element (at most `concurrency` at
 * once), or one per key and batch with cardinality 'many'. Plain pops are at-most-once. Reliable mode moves
 * each element to a processing list of this listener (`owner`, a fresh GUID), removes it after success,
 * sends a failed one back to the far end of its list, and returns the processing lists of listeners whose
 * heartbeat expired to the head of their list: at-least-once.
 */
export class ListListener implements Listener {
  state: ListenerState = 'created';
  readonly owner = randomUUID();
  private readonly port: ListPort;
  private readonly loop: PollingLoop<ListElement>;
  private command: ListPopCommand = 'lmpop';
  private turn = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private reason = { key: '', text: '' };
  /** Reliable mode: what this listener holds in its processing lists (see ProcessingLedger). */
  private readonly ledger = new ProcessingLedger();

  constructor(private readonly deps: ListenerDeps<ListTriggerOptions>) {
    this.port = requirePort(deps.ports.lists, deps.fn.name, 'list');
    this.loop = pollingLoopFor(
      deps,
      (signal) => this.fetch(signal),
      (batch) => this.handle(batch),
    );
  }

  private get options(): ListTriggerOptions {
    return this.deps.fn.options;
  }

  async start(): Promise<void> {
    this.state = 'starting';
    const version = await this.port.serverVersion();
    if (this.stopping) return; // closed while connecting: start nothing
    this.command = popCommandFor(version);
    this.checkVersion(version);
    if (this.options.reliable) {
      await this.beat();
      if (this.stopping) return;
      this.timer = setInterval(() => void this.beat(), heartbeatEveryMs(this.options.heartbeatTimeoutMs));
      this.timer.unref();
    }
    this.logStarted(version);
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
    this.state = 'closing';
    await this.loop.close();
    clearInterval(this.timer);
    await this.beating;
    if (this.timer) {
      if (this.ledger.auditDue) await this.audit().catch(() => undefined); // leave() returns the rest
      await this.leave();
    }
    this.state = 'closed';
  }

  private checkVersion(version: string): void {
    const { fn, logger } = this.deps;
    const o = this.options;
    if (o.reliable && !versionAtLeast(version, 6, 2)) {
      throw new ConfigError(
        ErrorCodes.BINDING_INVALID,
        `Function '${fn.name}': option "reliable" needs Redis >= 6.2 (LMOVE); the server is ${version}.`,
        { field: 'reliable' },
      );
    }
    if (o.reliable || this.command === 'lmpop') return;
    const ignored = o.keys.length > 1 ? `; only '${o.keys[0]}' is read, the other keys are ignored` : '';
    const how = this.command === 'pop-count' ? 'pops with a count on one key' : 'pops one element at a time';
    logger.warn(
      { functionName: fn.name, version, keys: o.keys },
      `Redis ${version} has no LMPOP (7.0): function '${fn.name}' ${how}${ignored}`,
    );
  }

  private logStarted(version: string): void {
    const { fn, logger } = this.deps;
    const o = this.options;
    const how = o.reliable ? `reliable, owner ${this.owner}` : this.command;
    logger.info(
      { functionName: fn.name, keys: o.keys, mode: o.mode, reliable: o.reliable, owner: this.owner, version },
      `Function '${fn.name}' pops list(s) ${o.keys.join(', ')} from the ${o.direction} ` +
        `(${o.mode}, batch ${o.batchSize}, ${how})`,
    );
  }

  private fetch(signal: AbortSignal): Promise<ListElement[]> {
    const o = this.options;
    const blocking = o.mode === 'blocking';
    if (o.reliable) return this.ledger.auditDue ? this.auditThenMove(signal) : this.move(signal);
    return this.port.pop({
      keys: o.keys,
      from: o.direction,
      count: o.batchSize,
      command: this.command,
      ...(blocking ? { blockMs: LIST_BLOCK_MS } : {}),
      reader: this.owner,
      signal,
      functionName: this.deps.fn.name,
    });
  }

  /** Reliable mode: LMOVE a batch to the processing lists; a move that fails may have moved it all the same. */
  private async move(signal: AbortSignal): Promise<ListElement[]> {
    const o = this.options;
    const blockMs = o.keys.length > 1 ? LIST_ROTATING_BLOCK_MS : LIST_BLOCK_MS;
    try {
      const batch = await this.port.moveToProcessing({
        keys: this.rotatedKeys(),
        owner: this.owner,
        from: o.direction,
        count: o.batchSize,
        ...(o.mode === 'blocking' ? { blockMs } : {}),
        signal,
        functionName: this.deps.fn.name,
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
  private async audit(): Promise<void> {
    const { fn, logger } = this.deps;
    const o = this.options;
    // Cleared before the first command: a removal or requeue that fails while this runs calls for another.
    this.ledger.auditDue = false;
    for (const key of o.keys) {
      let returned: number;
      try {
        returned = await this.port.audit(this.ledger.auditRequest(key, this.owner, o.direction));
      } catch (error) {
        this.ledger.auditDue = true;
        throw error;
      }
      this.ledger.audited(key);
      if (returned === 0) continue;
      logger.warn(
        { functionName: fn.name, key, list: key, count: returned, owner: this.owner },
        `Returned ${plural(returned)} of '${fn.name}' that a move whose reply was lost left in the ` +
          `processing list of ${this.owner} to the head of '${key}', to run next`,
      );
    }
  }

  /** Reliable mode starts each fetch at the next key, so no key waits behind a busy one. */
  private rotatedKeys(): string[] {
    const keys = this.options.keys;
    const start = this.turn++ % keys.length;
    return [...keys.slice(start), ...keys.slice(0, start)];
  }

  private async handle(batch: readonly ListElement[]): Promise<void> {
    const o = this.options;
    let failed = 0;
    // Reliable mode: the handled elements leave the processing list together once the batch is done (one
    // command per key); failed ones go back to their list as they fail, without holding up the others.
    const handled: ListElement[] = [];
    const requeuing: Promise<void>[] = [];
    const settle = (group: ListElement | readonly ListElement[], record: InvocationOutcome) => {
      const ok = record.status === 'succeeded';
      if (ok && !o.reliable) return;
      const elements = isGroup(group) ? group : [group];
      if (!ok) failed += elements.length;
      if (!o.reliable) return;
      if (ok) handled.push(...elements);
      else return this.afterFailure(batch, elements, record, handled, requeuing);
    };
    // A synchronous handler's outcome comes back at once: a batch of them runs without a promise each,
    // handing one clock reading from each invocation to the next (see Invoker.invokeNow).
    const clock: RunClock = { reading: undefined };
    const run = (group: ListElement | readonly ListElement[], continued: boolean) => {
      if (!continued) clock.reading = undefined; // a reading from before an await is stale
      const outcome = this.run(group, clock);
      return outcome instanceof Promise
        ? outcome.then((record) => settle(group, record))
        : settle(group, outcome);
    };
    const groups: readonly (ListElement | readonly ListElement[])[] =
      o.cardinality === 'many' ? [...groupByKey(batch).values()] : batch;
    await forEachConcurrent(groups, o.concurrency, run);
    if (o.reliable) await Promise.all([this.removeHandled(batch, handled), ...requeuing]);
    if (failed > 0 && !o.reliable) this.warnLost(failed);
  }

  /** Plain pops: failed elements are gone; says so, and what keeps them next time. */
  private warnLost(failed: number): void {
    const { fn, logger } = this.deps;
    const what = failed === 1 ? 'element' : 'elements';
    const retry = fn.retry
      ? ''
      : `add a retry policy (retry in the function's options or host.json) to retry them in-process, or `;
    logger.warn(
      { functionName: fn.name, failed },
      `${failed} ${what} of '${fn.name}' failed and ${failed === 1 ? 'is' : 'are'} lost (list pops are ` +
        `at-most-once). To keep failed elements: ${retry}set reliable: true to leave them on a processing ` +
        `list until they succeed.`,
    );
  }

  /** Reliable mode: dead-lettered after the last attempt (then done with), else back to the list. */
  private async afterFailure(
    batch: readonly ListElement[],
    elements: readonly ListElement[],
    record: InvocationOutcome,
    handled: ListElement[],
    requeuing: Promise<void>[],
  ): Promise<void> {
    const o = this.options;
    if (isLastAttempt(record, this.deps, o.deadLetterKey)) {
      if (await deadLetterElements(this.deps, o.deadLetterKey ?? '', elements, record)) {
        handled.push(...elements);
        return;
      }
    }
    this.ledger.release(batch, elements);
    requeuing.push(this.requeue(elements));
  }

  /** An element's invocation, or (cardinality 'many') one for a key's elements of the batch. */
  private run(
    group: ListElement | readonly ListElement[],
    clock: RunClock | undefined,
  ): InvocationOutcome | Promise<InvocationOutcome> {
    const { fn, invoker } = this.deps;
    if (isGroup(group)) {
      const { input, triggerMetadata } = elementsInput(this.options, group);
      const reason = `${plural(group.length)} on list ${group[0]?.key ?? ''}`;
      return invoker.invokeNow({ fn, input, triggerMetadata, reason }, clock);
    }
    const { input, triggerMetadata } = elementInput(this.options, group);
    return invoker.invokeNow({ fn, input, triggerMetadata, reason: this.reasonFor(group.key) }, clock);
  }

  /** `New element on list <key>`, made once per run of elements of one key. */
  private reasonFor(key: string): string {
    if (key !== this.reason.key) this.reason = { key, text: `New element on list ${key}` };
    return this.reason.text;
  }

  /** Reliable mode: the batch is done; its handled elements out of the processing lists. */
  private async removeHandled(
    batch: readonly ListElement[],
    elements: readonly ListElement[],
  ): Promise<void> {
    const receipt = this.ledger.finish(batch, elements);
    if (!receipt) return;
    try {
      await this.port.removeProcessed(this.owner, elements, receipt);
      this.ledger.removed(receipt);
    } catch (error) {
      this.settleFailed(error, elements);
    }
  }

  /** Reliable mode: failed elements out of the processing list and back to the far end of their list. */
  private async requeue(elements: readonly ListElement[]): Promise<void> {
    const { fn, logger } = this.deps;
    const to = opposite(this.options.direction);
    await Promise.all(
      elements.map((element) =>
        this.port
          .requeue(this.owner, element, to)
          .catch((error: unknown) => this.settleFailed(error, [element])),
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
    const key = elements[0]?.key ?? '';
    this.deps.logger.warn(
      { functionName: this.deps.fn.name, key, list: key, count: elements.length, err: errorMessage(error) },
      `Settling ${plural(elements.length)} of '${key}' failed; the processing list of ${this.owner} is ` +
        `checked before the next batch`,
    );
  }

  /** Renews the heartbeat, then returns elements of gone listeners. Never throws; one at a time. */
  private beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async renew(): Promise<void> {
    const { fn, logger } = this.deps;
    const o = this.options;
    try {
      await this.port.heartbeat(this.owner, o.keys, o.heartbeatTimeoutMs);
      await this.recover(this.owner);
    } catch (error) {
      logger.warn(
        { functionName: fn.name, owner: this.owner, err: errorMessage(error) },
        `Renewing the list heartbeat of '${fn.name}' failed; retrying`,
      );
    }
  }

  /** Returns the processing lists of gone listeners; while running, never this listener's own (`self`). */
  private async recover(self?: string): Promise<void> {
    const { fn, logger } = this.deps;
    for (const key of this.options.keys) {
      const moved = await this.port.recover(key, this.options.direction, self);
      if (moved === 0) continue;
      logger.info(
        { functionName: fn.name, key, list: key, count: moved },
        `Returned ${plural(moved)} left in processing by a listener that is gone to the head of '${key}'`,
      );
    }
  }

  /** After close: end the heartbeat and return whatever could not be settled. */
  private async leave(): Promise<void> {
    try {
      await this.port.stopHeartbeat(this.owner, this.options.keys);
      await this.recover();
    } catch (error) {
      this.deps.logger.warn(
        { functionName: this.deps.fn.name, owner: this.owner, err: errorMessage(error) },
        `Leaving the lists of '${this.deps.fn.name}' failed; other listeners return its elements once ` +
          `its heartbeat expires`,
      );
    }
  }
}
