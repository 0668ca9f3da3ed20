import { DURATION_BUCKET_COUNT, quantileMs } from '../../metrics/duration-histogram';
import type { HostMetrics, InvocationTotals } from '../../metrics/host-metrics';

export interface BoardStatsOptions {
  /** How often the totals are read (default 1 s). */
  readonly tickMs?: number;
  /** One bar of the chart (default 10 s). */
  readonly bucketMs?: number;
  /** Bars in the chart (default 60: ten minutes). */
  readonly buckets?: number;
}

/** A function's recent activity, as the board shows it. */
export interface FunctionActivity {
  readonly succeeded: number;
  readonly failed: number;
  /** Invocations per second over the last few seconds. */
  readonly ratePerSecond: number;
  /** Duration percentiles over about the last minute; undefined when nothing ran in it. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Invocations per bar, oldest first; the last bar is the one filling now. */
  readonly history: { readonly succeeded: readonly number[]; readonly failed: readonly number[] };
}

interface Sample {
  readonly at: number;
  readonly totals: ReadonlyMap<string, InvocationTotals>;
}

const RATE_WINDOW = 5;
const PERCENTILE_WINDOW_MS = 60_000;

/**
 * Rates, percentiles and the chart's history, from the host's invocation totals read once a second: an
 * invocation costs the board nothing (the metrics count it anyway). Keeps per-second readings for the
 * rate and one reading per bar (with its duration histogram) for the chart and the percentiles.
 */
export class BoardStats {
  readonly tickMs: number;
  readonly bucketMs: number;
  readonly bucketCount: number;
  private readonly seconds: Sample[] = [];
  private readonly bars: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: HostMetrics,
    options: BoardStatsOptions = {},
  ) {
    this.tickMs = options.tickMs ?? 1000;
    this.bucketMs = options.bucketMs ?? 10_000;
    this.bucketCount = options.buckets ?? 60;
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the totals now (the timer does this every tick). */
  tick(now = Date.now()): void {
    const lastBar = this.bars[this.bars.length - 1];
    const newBar = !lastBar || now - lastBar.at >= this.bucketMs;
    // the duration histograms are kept once per bar (the percentiles' window), counts every tick
    const sample = { at: now, totals: copyTotals(this.metrics.invocationTotals(), newBar) };
    this.seconds.push(sample);
    if (this.seconds.length > RATE_WINDOW + 1) this.seconds.shift();
    if (newBar) {
      this.bars.push(sample);
      if (this.bars.length > this.bucketCount + 1) this.bars.shift();
    }
  }

  /** A function's activity as of now (counts are live; rates and history as of the last tick). */
  activity(name: string): FunctionActivity {
    const live = this.metrics.invocationTotals().get(name);
    const succeeded = live?.succeeded ?? 0;
    const failed = live?.failed ?? 0;
    return {
      succeeded,
      failed,
      ratePerSecond: this.rate(name),
      ...this.percentiles(name),
      history: this.history(name),
    };
  }

  private rate(name: string): number {
    const first = this.seconds[0];
    const last = this.seconds[this.seconds.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    const count = (s: Sample): number => total(s.totals.get(name));
    return Math.max(0, count(last) - count(first)) / ((last.at - first.at) / 1000);
  }

  private percentiles(name: string): { p50Ms: number | undefined; p99Ms: number | undefined } {
    const now = this.metrics.invocationTotals().get(name);
    if (!now) return { p50Ms: undefined, p99Ms: undefined };
    const newest = this.bars[this.bars.length - 1]?.at ?? 0;
    const since = this.bars.find((bar) => newest - bar.at < PERCENTILE_WINDOW_MS);
    const before = since?.totals.get(name)?.durations;
    const counts = now.durations.map((n, i) => Math.max(0, n - (before?.[i] ?? 0)));
    return { p50Ms: quantileMs(counts, 0.5), p99Ms: quantileMs(counts, 0.99) };
  }

  private history(name: string): FunctionActivity['history'] {
    const succeeded: number[] = new Array<number>(this.bucketCount).fill(0);
    const failed: number[] = new Array<number>(this.bucketCount).fill(0);
    const latest = this.seconds[this.seconds.length - 1];
    const readings = latest ? [...this.bars, latest] : this.bars;
    // bar i is the difference between reading i and the one after it; the last bar is still filling (from
    // the newest bar reading to the newest reading: empty right after a new bar began)
    const diffs = readings.slice(1).map((s, i) => [s, readings[i] as Sample] as const);
    const shown = diffs.slice(-this.bucketCount);
    const offset = this.bucketCount - shown.length;
    shown.forEach(([to, from], i) => {
      const a = from.totals.get(name);
      const b = to.totals.get(name);
      // (a registry reset starts the totals over: never a negative bar)
      succeeded[offset + i] = Math.max(0, (b?.succeeded ?? 0) - (a?.succeeded ?? 0));
      failed[offset + i] = Math.max(0, (b?.failed ?? 0) - (a?.failed ?? 0));
    });
    return { succeeded, failed };
  }
}

function total(t: InvocationTotals | undefined): number {
  return t ? t.succeeded + t.failed : 0;
}

const NO_DURATIONS: readonly number[] = Object.freeze([]);

function copyTotals(
  live: ReadonlyMap<string, InvocationTotals>,
  durations: boolean,
): Map<string, InvocationTotals> {
  const copy = new Map<string, InvocationTotals>();
  for (const [name, t] of live) {
    copy.set(name, {
      succeeded: t.succeeded,
      failed: t.failed,
      durations: durations ? t.durations.slice(0, DURATION_BUCKET_COUNT) : NO_DURATIONS,
    });
  }
  return copy;
}
