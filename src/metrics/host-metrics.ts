import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InvocationRecord } from '../invoke/invoker';

/**
 * The host's Prometheus metrics, in a registry of its own (several hosts in one process do not collide).
 * Served as text at `GET /metrics` on the admin port.
 */
export class HostMetrics {
  readonly registry = new Registry();
  private readonly invocations = new Counter({
    name: 'redis_func_invocations_total',
    help: 'Invocations by function and status (succeeded, failed); each retry attempt counts.',
    labelNames: ['function', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'redis_func_invocation_duration_seconds',
    help: 'Invocation duration by function.',
    labelNames: ['function'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  private readonly backlogGauge = new Gauge({
    name: 'redis_func_backlog',
    help: 'Messages waiting per list or stream function (LLEN; stream group lag plus pending).',
    labelNames: ['function'] as const,
    registers: [this.registry],
  });
  private readonly targetGauge = new Gauge({
    name: 'redis_func_target_instances',
    help: "Instances Azure's scale controller would want: ceil(backlog / messagesPerWorker).",
    labelNames: ['function'] as const,
    registers: [this.registry],
  });
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

  observeInvocation(record: InvocationRecord): void {
    this.invocations.inc({ function: record.functionName, status: record.status });
    this.duration.observe({ function: record.functionName }, record.durationMs / 1000);
  }

  count(kind: keyof HostMetrics['counters'], label: string, by = 1): void {
    this.counters[kind].inc({ [kind === 'reconnects' ? 'connection' : 'function']: label }, by);
  }

  setBacklog(functionName: string, backlog: number, targetInstances: number): void {
    this.backlogGauge.set({ function: functionName }, backlog);
    this.targetGauge.set({ function: functionName }, targetInstances);
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
