import type { Logger } from '../logging';
import type { HostMetrics } from '../metrics/host-metrics';

/** The least time between two warnings about one function's dropped messages. */
export const DROP_WARNING_INTERVAL_MS = 5000;

export interface DropReporterOptions {
  readonly functionName: string;
  readonly maxBacklog: number;
  readonly logger: Logger;
  readonly metrics?: HostMetrics;
  readonly intervalMs?: number;
}

/**
 * Counts a Pub/Sub function's dropped messages (`redis_func_pubsub_dropped_total{function}`) and warns
 * about them: at the first drop, then at most once per interval with the number dropped since the last
 * warning, and once more on close for any not yet reported.
 */
export class DropReporter {
  private total = 0;
  private unreported = 0;
  private lastWarning = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(private readonly options: DropReporterOptions) {
    this.intervalMs = options.intervalMs ?? DROP_WARNING_INTERVAL_MS;
    options.metrics?.countPubSubDropped(options.functionName, 0); // the series exists from the start
  }

  /** Messages dropped so far. */
  get dropped(): number {
    return this.total;
  }

  /** One more message dropped. */
  drop(): void {
    this.total++;
    this.unreported++;
    this.options.metrics?.countPubSubDropped(this.options.functionName);
    if (this.timer) return;
    const wait = this.lastWarning + this.intervalMs - performance.now();
    if (wait <= 0) return this.warn();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.warn();
    }, wait);
    this.timer.unref();
  }

  /** Reports what is left unreported; no more warnings after this. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.warn();
  }

  private warn(): void {
    if (this.unreported === 0) return;
    const { functionName, maxBacklog, logger } = this.options;
    const dropped = this.unreported;
    const since = Number.isFinite(this.lastWarning)
      ? ` in the last ${Math.round((performance.now() - this.lastWarning) / 1000)} s`
      : '';
    this.unreported = 0;
    this.lastWarning = performance.now();
    logger.warn(
      { functionName, dropped, totalDropped: this.total, maxBacklog },
      `Function '${functionName}' dropped ${dropped} Pub/Sub message(s)${since} (${this.total} in all): ` +
        `its backlog of ${maxBacklog} waiting messages was full, so the oldest waiting ones made room. ` +
        `Make the handler faster, raise concurrency, or raise maxBacklog.`,
    );
  }
}
