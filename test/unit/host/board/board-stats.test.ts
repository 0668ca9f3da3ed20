import type { InvocationRecord } from '../../../../src/invoke/invoker';
import { BoardStats } from '../../../../src/host/board/board-stats';
import { HostMetrics } from '../../../../src/metrics/host-metrics';

const record = (functionName: string, status: 'succeeded' | 'failed', durationMs: number) =>
  ({ functionName, status, durationMs }) as InvocationRecord;

function observe(metrics: HostMetrics, n: number, status: 'succeeded' | 'failed', ms: number): void {
  for (let i = 0; i < n; i++) metrics.observeInvocation(record('f', status, ms));
}

describe('BoardStats', () => {
  it('gives the rate over the last seconds, percentiles, and a bar per period oldest first', () => {
    const metrics = new HostMetrics();
    const stats = new BoardStats(metrics, { bucketMs: 10_000, buckets: 4 });
    stats.tick(0);
    observe(metrics, 20, 'succeeded', 2);
    observe(metrics, 5, 'failed', 100);
    for (let at = 1000; at <= 5000; at += 1000) stats.tick(at);

    const now = stats.activity('f');
    expect(now).toMatchObject({ succeeded: 20, failed: 5, ratePerSecond: 5 });
    expect(now.p50Ms).toBeGreaterThanOrEqual(2);
    expect(now.p50Ms).toBeLessThan(2 * 1.19);
    expect(now.p99Ms).toBeGreaterThanOrEqual(100);
    expect(now.p99Ms).toBeLessThan(100 * 1.19);
    expect(now.history).toEqual({ succeeded: [0, 0, 0, 20], failed: [0, 0, 0, 5] });

    // a new bar begins: the first one is complete, the new one empty; then it fills
    for (let at = 6000; at <= 10_000; at += 1000) stats.tick(at);
    expect(stats.activity('f').history).toEqual({ succeeded: [0, 0, 20, 0], failed: [0, 0, 5, 0] });
    observe(metrics, 3, 'succeeded', 1);
    stats.tick(11_000);
    expect(stats.activity('f').history.succeeded).toEqual([0, 0, 20, 3]);
    // 3 in the last 5 seconds
    for (let at = 12_000; at <= 15_000; at += 1000) stats.tick(at);
    expect(stats.activity('f').ratePerSecond).toBe(0.6);
  });

  it('forgets durations older than about a minute for the percentiles, and bars past the chart', () => {
    const metrics = new HostMetrics();
    const stats = new BoardStats(metrics, { bucketMs: 10_000, buckets: 3 });
    stats.tick(0);
    observe(metrics, 10, 'succeeded', 50);
    for (let at = 10_000; at <= 80_000; at += 10_000) stats.tick(at);
    const quiet = stats.activity('f');
    expect(quiet).toMatchObject({ succeeded: 10, ratePerSecond: 0, p50Ms: undefined, p99Ms: undefined });
    expect(quiet.history.succeeded).toEqual([0, 0, 0]);
  });

  it('shows a function that never ran as idle', () => {
    const stats = new BoardStats(new HostMetrics(), { buckets: 2 });
    stats.tick(0);
    expect(stats.activity('none')).toEqual({
      succeeded: 0,
      failed: 0,
      ratePerSecond: 0,
      p50Ms: undefined,
      p99Ms: undefined,
      history: { succeeded: [0, 0], failed: [0, 0] },
    });
  });
});
