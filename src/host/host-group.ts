import { errorMessage } from '../errors';
import type { InvocationRecord } from '../invoke/invoker';
import type { Logger } from '../logging';
import type { HostMetrics } from '../metrics/host-metrics';
import { PUBSUB_TRIGGER } from '../triggers/pubsub';
import type { CommandPort } from '../triggers/ports';
import type { ResolvedFunction } from '../triggers/trigger';
import type { AdminTarget } from './admin-server';
import type { FunctionHost } from './function-host';

export interface HostGroupOptions {
  /** Builds instance number `index` (own connections, own consumer names). */
  readonly create: (index: number) => FunctionHost;
  readonly functions: readonly ResolvedFunction[];
  readonly logger: Logger;
  readonly metrics?: HostMetrics;
  /** Runs after every instance closed (e.g. stopping shared private servers). */
  readonly afterClose?: () => Promise<void>;
}

/**
 * N independent listener sets in one process, to rehearse scale-out (`--instances`, `--autoscale`).
 * Instances are added and removed one at a time; a removed instance drains like a stopped host.
 */
export class HostGroup implements AdminTarget {
  state: 'created' | 'running' | 'closing' | 'closed' = 'created';
  private readonly instances: FunctionHost[] = [];
  private created = 0;
  private scaling: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private create: (index: number) => FunctionHost;
  private current: readonly ResolvedFunction[];

  constructor(private readonly options: HostGroupOptions) {
    this.create = options.create;
    this.current = options.functions;
  }

  get functions(): readonly ResolvedFunction[] {
    return this.current;
  }

  get metrics(): HostMetrics | undefined {
    return this.options.metrics;
  }

  /** The first instance: it serves manual runs and reads the backlog. */
  get primary(): FunctionHost | undefined {
    return this.instances[0];
  }

  get instanceCount(): number {
    return this.instances.length;
  }

  /** Adds or removes instances until there are `count` (at least 1); serialised with other calls. */
  scaleTo(count: number, reason: string): Promise<void> {
    const next = this.scaling.then(() => this.doScale(Math.max(1, count), reason));
    this.scaling = next.catch(() => undefined);
    return next;
  }

  invoke(name: string, message: string): Promise<InvocationRecord> {
    const primary = this.instances[0];
    if (!primary) return Promise.reject(new Error('No instance is running.'));
    return primary.invoke(name, message);
  }

  /** The first instance's command connection for the function (the board's actions use it). */
  commandsFor(fn: ResolvedFunction): CommandPort | undefined {
    return this.instances[0]?.commandsFor(fn);
  }

  describeConnections(): Promise<Record<string, string>> {
    return this.instances[0]?.describeConnections() ?? Promise.resolve({});
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  /**
   * Restarts every instance on other functions (a reload): each instance stops taking messages and
   * finishes its invocations in flight (the shutdown grace), then as many instances start on `functions`.
   * Serialised with scaling; a failed start leaves the group with the instances that did start.
   */
  replace(create: (index: number) => FunctionHost, functions: readonly ResolvedFunction[]): Promise<void> {
    const next = this.scaling.then(async () => {
      if (this.state === 'closing' || this.state === 'closed') return;
      const count = Math.max(1, this.instances.length);
      await Promise.all(this.instances.splice(0).map((h) => h.close()));
      this.create = create;
      this.current = functions;
      this.created = 0; // the same instance numbers again: stream consumers keep their names
      await this.doScale(count, 'reload');
    });
    this.scaling = next.catch(() => undefined);
    return next;
  }

  private async doScale(count: number, reason: string): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed' || count === this.instances.length) return;
    const { logger } = this.options;
    const from = this.instances.length;
    if (from > 0 && reason !== 'reload')
      logger.info({ from, to: count, reason }, `Scaling from ${from} to ${count} instance(s): ${reason}`);
    const open = (): boolean => this.state !== 'closing' && this.state !== 'closed';
    while (open() && this.instances.length < count) {
      const host = this.create(this.created++);
      this.instances.push(host);
      await host.start();
    }
    while (open() && this.instances.length > count) await this.instances.pop()?.close();
    if (!open()) return;
    this.state = 'running';
    this.warnPubSubDuplicates();
  }

  private warnPubSubDuplicates(): void {
    const pubsub = this.functions.filter((f) => !f.disabled && f.triggerType === PUBSUB_TRIGGER);
    if (this.instances.length > 1 && pubsub.length > 0) {
      this.options.logger.warn(
        { functions: pubsub.map((f) => f.name), instances: this.instances.length },
        `${this.instances.length} instances: every instance gets every Pub/Sub message, so Pub/Sub functions ` +
          `(${pubsub.map((f) => f.name).join(', ')}) run once per instance for each message.`,
      );
    }
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    // Instances still connecting are closed too (their start then fails, which ends the scaling step).
    await Promise.all(
      this.instances
        .splice(0)
        .map((h) =>
          h
            .close()
            .catch((e: unknown) => this.options.logger.warn({ err: errorMessage(e) }, 'Error while closing')),
        ),
    );
    await this.scaling;
    await this.options.afterClose?.();
    this.state = 'closed';
  }
}
