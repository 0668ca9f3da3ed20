import { errorMessage } from '../errors';
import type { Logger } from '../logging';
import type { FunctionHost } from './function-host';
import type { HostGroup } from './host-group';

export interface AutoscaleRange {
  readonly min: number;
  readonly max: number;
}

export interface ScaleMonitorOptions {
  /** The instance whose connections read the backlog. */
  readonly primary: () => FunctionHost | undefined;
  readonly group: HostGroup;
  readonly logger: Logger;
  /** With a range, the monitor adds and removes instances; without, it only reads (and logs failures). */
  readonly autoscale?: AutoscaleRange;
  readonly intervalMs?: number;
}

/**
 * With --autoscale, every few seconds: reads each list and stream function's backlog as Azure's scale
 * monitor does and moves the instance count to the largest target (ceil(backlog / maxBatchSize), or
 * messagesPerWorker when set) within the range, logging each decision with its reason. (The metrics read
 * the backlog themselves, at scrape time.)
 */
export class ScaleMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: ScaleMonitorOptions) {}

  start(): void {
    this.timer ??= setInterval(
      () => void (this.running ??= this.evaluate().finally(() => (this.running = undefined))),
      this.options.intervalMs ?? 5000,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One evaluation (also used by tests): returns the instance count it asked for, if any. */
  async evaluate(): Promise<number | undefined> {
    const { primary, group, autoscale, logger } = this.options;
    const host = primary();
    if (!host) return undefined;
    let samples;
    try {
      samples = await host.scaleSamples();
    } catch (error) {
      logger.warn({ err: errorMessage(error) }, 'Reading the backlog for scaling failed');
      return undefined;
    }
    if (!autoscale) return undefined;
    const busiest = samples.reduce<(typeof samples)[number] | undefined>(
      (a, s) => (!a || s.target > a.target ? s : a),
      undefined,
    );
    const wanted = Math.min(autoscale.max, Math.max(autoscale.min, busiest?.target ?? 0));
    if (wanted === group.instanceCount) return wanted;
    const reason = busiest
      ? `backlog of '${busiest.fn.name}' is ${busiest.backlog} (${busiest.perInstanceFrom} ${busiest.perInstance}, so ${busiest.target} instance(s)), range ${autoscale.min}..${autoscale.max}`
      : `no backlog, range ${autoscale.min}..${autoscale.max}`;
    await group.scaleTo(wanted, reason);
    return wanted;
  }
}
