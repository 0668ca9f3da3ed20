import { randomUUID } from 'node:crypto';
import { ConfigError, ErrorCodes } from '../errors';
import { elementInput, elementsInput } from './list-input';
import type { ListTriggerOptions } from './list-options';
import type { InvocationOutcome } from '../invoke/invoker';
import { HandoffClock } from '../invoke/run-clocks';
import { groupByKey } from './group-by-key';
import { ListHeartbeat } from './list-heartbeat';
import { LIST_BLOCK_MS, plural, type ListOwner } from './list-owner';
import { ProcessingLists } from './list-processing';
import { forEachConcurrent, pollingLoopFor, requirePort, type PollingLoop } from './polling';
import type { ListElement, ListPopCommand } from './ports';
import type { Listener, ListenerDeps, ListenerState } from './trigger';

export { heartbeatEveryMs } from './list-heartbeat';
export { LIST_BLOCK_MS, LIST_ROTATING_BLOCK_MS } from './list-owner';

/** The pop a server supports: LMPOP from 7.0, LPOP with a count from 6.2, single pops before. */
export function popCommandFor(version: string): ListPopCommand {
  if (versionAtLeast(version, 7, 0)) return 'lmpop';
  return versionAtLeast(version, 6, 2) ? 'pop-count' : 'pop-one';
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return a > major || (a === major && b >= minor);
}

const isGroup = (group: ListElement | readonly ListElement[]): group is readonly ListElement[] =>
  Array.isArray(group);

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
  /** What the reliable-mode parts share: this listener's owner id, deps and port. */
  private readonly c: ListOwner;
  private readonly loop: PollingLoop<ListElement>;
  private command: ListPopCommand = 'lmpop';
  private closing: Promise<void> | undefined;
  private reason = { key: '', text: '' };
  /** Reliable mode: the processing lists, and the heartbeat that keeps them this listener's. */
  private readonly processing: ProcessingLists;
  private readonly heartbeat: ListHeartbeat;

  constructor(private readonly deps: ListenerDeps<ListTriggerOptions>) {
    const port = requirePort(deps.ports.lists, deps.fn.name, 'list');
    this.c = { deps, port, owner: this.owner };
    this.processing = new ProcessingLists(this.c);
    this.heartbeat = new ListHeartbeat(this.c);
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
    const version = await this.c.port.serverVersion();
    if (this.stopping) return; // closed while connecting: start nothing
    this.command = popCommandFor(version);
    this.checkVersion(version);
    if (this.options.reliable) {
      await this.heartbeat.beat();
      if (this.stopping) return;
      this.heartbeat.keepBeating();
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
    if (await this.heartbeat.stop()) {
      // leave() returns the rest
      if (this.processing.auditDue) await this.processing.audit().catch(() => undefined);
      await this.heartbeat.leave();
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
    if (o.reliable) return this.processing.fetch(signal);
    return this.c.port.pop({
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
      else return this.processing.afterFailure(batch, elements, record, handled, requeuing);
    };
    // A synchronous handler's outcome comes back at once: a batch of them runs without a promise each,
    // handing one clock reading from each invocation to the next (see Invoker.invokeNow).
    const clock = new HandoffClock();
    const run = (group: ListElement | readonly ListElement[], continued: boolean) => {
      if (!continued) clock.stale(); // a reading from before an await is stale
      const outcome = this.run(group, clock);
      return outcome instanceof Promise
        ? outcome.then((record) => settle(group, record))
        : settle(group, outcome);
    };
    const groups: readonly (ListElement | readonly ListElement[])[] =
      o.cardinality === 'many' ? [...groupByKey(batch).values()] : batch;
    await forEachConcurrent(groups, o.concurrency, run);
    if (o.reliable) await Promise.all([this.processing.removeHandled(batch, handled), ...requeuing]);
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

  /** An element's invocation, or (cardinality 'many') one for a key's elements of the batch. */
  private run(
    group: ListElement | readonly ListElement[],
    clock: HandoffClock | undefined,
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
}
