import type { Histogram, Meter } from '@opentelemetry/api';
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { InvocationOutcome, InvocationStatus } from '../invoke/invoker';
import { DURATION_BUCKET_COUNT, durationBucket } from './duration-histogram';

/** One list or stream function's scale reading (see FunctionHost.scaleSamples). */
export interface ScaleReading {
  readonly fn: { readonly name: string };
  readonly backlog: number;
  readonly target: number;
  /** Taken and not finished (a stream group's pending entries, a reliable list's processing lists). */
  readonly pending?: number;
}

/** How long one backlog reading serves scrapes. */
const SCALE_CACHE_MS = 1000;

/**
 * The host's Prometheus metrics, in a registry of its own (several hosts in one process do not collide).
 * Served as text at `GET /metrics` on the admin port.
 */
export class HostMetrics {
  readonly registry = new Registry();
  private readonly invocations = new InvocationStats(this.registry);
  private readonly backlogGauge: Gauge<'function'> = new Gauge({
    name: 'redis_func_backlog',
    help: 'Messages waiting per list or stream function (LLEN over its keys; a stream group lag), read at scrape.',
    labelNames: ['function'] as const,
    registers: [this.registry],
    collect: () => this.collectScale(this.backlogGauge, (r) => r.backlog),
  });
  private readonly targetGauge: Gauge<'function'> = new Gauge({
    name: 'redis_func_target_instances',
    help:
      "Instances Azure's scale monitor would want: ceil(backlog / maxBatchSize), or / messagesPerWorker when " +
      'set; read at scrape.',
    labelNames: ['function'] as const,
    registers: [this.registry],
    collect: () => this.collectScale(this.targetGauge, (r) => r.target),
  });
  private scaleSource: (() => Promise<readonly ScaleReading[]>) | undefined;
  private scaleCache:
    { readonly at: number; readonly readings: Promise<readonly ScaleReading[]> } | undefined;
  private lastReadings: readonly ScaleReading[] = [];
  private readonly counters = {
    retried: this.counter(
      'redis_func_retries_total',
      'Retry attempts after a failed invocation.',
      'function',
    ),
    reclaimed: this.counter(
      'redis_func_reclaimed_total',
      'Stream entries claimed from idle consumers.',
      'function',
    ),
    deadLettered: this.counter(
      'redis_func_dead_lettered_total',
      'Messages moved to a dead-letter key.',
      'function',
    ),
    reconnects: this.counter(
      'redis_func_reconnects_total',
      'Redis connections re-established.',
      'connection',
    ),
  };

  /** Pub/Sub messages dropped per function, read when scraped (a drop costs a map update, not a label check). */
  private readonly pubsubDrops = new Map<string, number>();
  private readonly pubsubDropped = new Counter({
    name: 'redis_func_pubsub_dropped_total',
    help: "Pub/Sub messages dropped because the function's backlog (maxBacklog) was full.",
    labelNames: ['function'] as const,
    registers: [this.registry],
    collect: () => {
      this.pubsubDropped.reset();
      for (const [name, dropped] of this.pubsubDrops) this.pubsubDropped.inc({ function: name }, dropped);
    },
  });

  /** A Pub/Sub function's drop counter: present (at 0) from now on; `by` more dropped. */
  countPubSubDropped(functionName: string, by = 1): void {
    this.pubsubDrops.set(functionName, (this.pubsubDrops.get(functionName) ?? 0) + by);
  }

  /** The invocation duration histogram of an OpenTelemetry meter, once exportTo ran. */
  private durationHistogram: Histogram | undefined;

  observeInvocation(record: InvocationOutcome): void {
    this.observe(record.functionName, record.status, record.durationMs);
  }

  /** A finished attempt of `functionName`: its status and duration; or `count` of them, `durationMs` each. */
  observe(functionName: string, status: InvocationStatus, durationMs: number, count = 1): void {
    this.invocations.observe(functionName, status, durationMs, count);
    const histogram = this.durationHistogram;
    if (!histogram) return;
    const attributes = { function: functionName, status };
    for (let i = 0; i < count; i++) histogram.record(durationMs / 1000, attributes);
  }

  /**
   * Reports the same metrics to an OpenTelemetry meter as well (`/metrics` keeps serving them): each counter
   * and gauge as an observable instrument read at collection (named as here, without `_total`), and the
   * durations as the histogram `redis_func_invocation_duration` (seconds).
   */
  exportTo(meter: Meter): void {
    this.durationHistogram = meter.createHistogram('redis_func_invocation_duration', {
      description: 'Invocation duration by function and status.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    for (const listed of this.registry.getMetricsAsArray()) {
      const metric = listed as unknown as Metric & { name: string; help: string; type: string };
      const { name, help, type } = metric;
      if (type !== 'counter' && type !== 'gauge') continue;
      const options = { description: help };
      const instrument =
        type === 'counter'
          ? meter.createObservableCounter(name.replace(/_total$/, ''), options)
          : meter.createObservableGauge(name, options);
      instrument.addCallback(async (result) => {
        const { values } = await metric.get();
        for (const { value, labels } of values) result.observe(value, labels);
      });
    }
  }

  /** Each function's invocation counts and fine duration histogram so far (live: copy what you keep). */
  invocationTotals(): ReadonlyMap<string, InvocationTotals> {
    return this.invocations.totals;
  }

  count(kind: keyof HostMetrics['counters'], label: string, by = 1): void {
    this.counters[kind].inc({ [kind === 'reconnects' ? 'connection' : 'function']: label }, by);
  }

  /**
   * Where the backlog gauges come from: read when /metrics is scraped (at most once per second, so several
   * scrapes share one reading). A failed reading keeps the last values.
   */
  setScaleSource(source: () => Promise<readonly ScaleReading[]>): void {
    this.scaleSource = source;
    this.scaleCache = undefined;
  }

  get hasScaleSource(): boolean {
    return this.scaleSource !== undefined;
  }

  /** The readings of the last second, or fresh ones. */
  readScale(): Promise<readonly ScaleReading[]> {
    const now = Date.now();
    if (!this.scaleCache || now - this.scaleCache.at >= SCALE_CACHE_MS) {
      const source = this.scaleSource;
      const readings = (source ? source() : Promise.resolve([])).then(
        (fresh) => (this.lastReadings = fresh),
        () => this.lastReadings,
      );
      this.scaleCache = { at: now, readings };
    }
    return this.scaleCache.readings;
  }

  /**
   * {@link readScale}, or the last readings when fresh ones take longer than `ms` (Redis unreachable: its
   * commands wait in node-redis's offline queue until it is back, and a page must not wait with them).
   */
  readScaleWithin(ms: number): Promise<readonly ScaleReading[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<readonly ScaleReading[]>((resolve) => {
      timer = setTimeout(() => resolve(this.lastReadings), ms);
    });
    return Promise.race([this.readScale(), late]).finally(() => clearTimeout(timer));
  }

  /** Each gauge collects on its own (prom-client reads metrics concurrently), from the same reading. */
  private async collectScale(gauge: Gauge<'function'>, value: (r: ScaleReading) => number): Promise<void> {
    const readings = await this.readScale();
    gauge.reset();
    for (const r of readings) gauge.set({ function: r.fn.name }, value(r));
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter(name: string, help: string, label: 'function' | 'connection'): Counter<string> {
    return new Counter({ name, help, labelNames: [label], registers: [this.registry] });
  }
}

const INVOCATIONS = 'redis_func_invocations_total';
const DURATION = 'redis_func_invocation_duration_seconds';
const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

/** A function's invocations so far, as the board reads them. */
export interface InvocationTotals {
  readonly succeeded: number;
  readonly failed: number;
  /** Invocations per bucket of the fine duration histogram (see duration-histogram.ts). */
  readonly durations: readonly number[];
}

interface FunctionStats extends InvocationTotals {
  succeeded: number;
  failed: number;
  seconds: number;
  /** Invocations per duration bucket (not cumulative); the last slot is above the highest bound. */
  readonly buckets: number[];
  readonly durations: number[];
}

interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

/**
 * `redis_func_invocations_total` (counter) and `redis_func_invocation_duration_seconds` (histogram), kept
 * as plain numbers per function: an invocation costs a few increments. (prom-client's Counter.inc and
 * Histogram.observe hash and check their labels at every call: about a microsecond per invocation, on the
 * hot path of every trigger.) Both are registered as collectors in prom-client's metric shape and read
 * when /metrics is scraped; the text is the same as prom-client's own.
 */
class InvocationStats {
  private readonly byFunction = new Map<string, FunctionStats>();
  /** The function observed last and its stats: most invocations follow one of the same function. */
  private lastName: string | undefined;
  private lastStats: FunctionStats | undefined;

  get totals(): ReadonlyMap<string, InvocationTotals> {
    return this.byFunction;
  }

  constructor(registry: Registry) {
    registry.registerMetric(
      this.collector(
        INVOCATIONS,
        'Invocations by function and status (succeeded, failed); each retry attempt counts.',
        'counter',
        () => this.counts(),
      ),
    );
    registry.registerMetric(
      this.collector(DURATION, 'Invocation duration by function.', 'histogram', () => this.durations()),
    );
  }

  observe(functionName: string, status: 'succeeded' | 'failed', ms: number, count: number): void {
    let stats = functionName === this.lastName ? this.lastStats : this.byFunction.get(functionName);
    if (!stats) {
      stats = {
        succeeded: 0,
        failed: 0,
        seconds: 0,
        buckets: DURATION_BUCKETS.map(() => 0).concat(0),
        durations: new Array<number>(DURATION_BUCKET_COUNT).fill(0),
      };
      this.byFunction.set(functionName, stats);
    }
    this.lastName = functionName;
    this.lastStats = stats;
    const seconds = ms / 1000;
    if (status === 'succeeded') stats.succeeded += count;
    else stats.failed += count;
    stats.seconds += seconds * count;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) bucket++;
    stats.buckets[bucket] = (stats.buckets[bucket] ?? 0) + count;
    const fine = durationBucket(ms);
    stats.durations[fine] = (stats.durations[fine] ?? 0) + count;
  }

  private counts(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const [name, stats] of this.byFunction) {
      if (stats.succeeded > 0)
        values.push({ value: stats.succeeded, labels: { function: name, status: 'succeeded' } });
      if (stats.failed > 0)
        values.push({ value: stats.failed, labels: { function: name, status: 'failed' } });
    }
    return values;
  }

  private durations(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const [name, stats] of this.byFunction) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += stats.buckets[i] ?? 0;
        values.push({ value: cumulative, labels: { le, function: name }, metricName: `${DURATION}_bucket` });
      });
      const count = stats.succeeded + stats.failed;
      values.push(
        { value: count, labels: { le: '+Inf', function: name }, metricName: `${DURATION}_bucket` },
        { value: stats.seconds, labels: { function: name }, metricName: `${DURATION}_sum` },
        { value: count, labels: { function: name }, metricName: `${DURATION}_count` },
      );
    }
    return values;
  }

  /** A metric as the registry reads it (name, help, type, get, reset). */
  private collector(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]) {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum' as const,
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {
        this.byFunction.clear();
        this.lastName = undefined;
        this.lastStats = undefined;
      },
    };
    return metric as unknown as Metric;
  }
}
