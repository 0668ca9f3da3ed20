import type { InvocationRecord } from '../../../src/invoke/invoker';
import { HostMetrics } from '../../../src/metrics/host-metrics';

const record = (functionName: string, status: 'succeeded' | 'failed', durationMs: number) =>
  ({ functionName, status, durationMs }) as InvocationRecord;

const lines = async (metrics: HostMetrics, name: string): Promise<string[]> =>
  (await metrics.text()).split('\n').filter((l) => l.startsWith(name));

describe('HostMetrics', () => {
  it('counts invocations by function and status', async () => {
    const metrics = new HostMetrics();
    metrics.observeInvocation(record('a', 'succeeded', 1));
    metrics.observeInvocation(record('a', 'succeeded', 1));
    metrics.observeInvocation(record('a', 'failed', 1));
    metrics.observeInvocation(record('b"c', 'failed', 1));
    expect(await lines(metrics, 'redis_func_invocations_total')).toEqual([
      'redis_func_invocations_total{function="a",status="succeeded"} 2',
      'redis_func_invocations_total{function="a",status="failed"} 1',
      'redis_func_invocations_total{function="b\\"c",status="failed"} 1',
    ]);
    expect(await metrics.text()).toContain('# TYPE redis_func_invocations_total counter');
  });

  it('keeps a cumulative duration histogram per function, a bound counting as its own bucket', async () => {
    const metrics = new HostMetrics();
    for (const ms of [0.5, 1, 3, 70, 40_000]) metrics.observeInvocation(record('f', 'succeeded', ms));
    const histogram = await lines(metrics, 'redis_func_invocation_duration_seconds');
    expect(histogram).toEqual([
      'redis_func_invocation_duration_seconds_bucket{le="0.001",function="f"} 2',
      'redis_func_invocation_duration_seconds_bucket{le="0.005",function="f"} 3',
      'redis_func_invocation_duration_seconds_bucket{le="0.01",function="f"} 3',
      'redis_func_invocation_duration_seconds_bucket{le="0.05",function="f"} 3',
      'redis_func_invocation_duration_seconds_bucket{le="0.1",function="f"} 4',
      'redis_func_invocation_duration_seconds_bucket{le="0.5",function="f"} 4',
      'redis_func_invocation_duration_seconds_bucket{le="1",function="f"} 4',
      'redis_func_invocation_duration_seconds_bucket{le="5",function="f"} 4',
      'redis_func_invocation_duration_seconds_bucket{le="30",function="f"} 4',
      'redis_func_invocation_duration_seconds_bucket{le="+Inf",function="f"} 5',
      'redis_func_invocation_duration_seconds_sum{function="f"} 40.0745',
      'redis_func_invocation_duration_seconds_count{function="f"} 5',
    ]);
    expect(await metrics.text()).toContain('# TYPE redis_func_invocation_duration_seconds histogram');
  });

  it('takes a group of invocations of one duration at once, as that many observations', async () => {
    const grouped = new HostMetrics();
    grouped.observe('f', 'succeeded', 0.5, 3);
    grouped.observe('f', 'succeeded', 3, 2);
    const single = new HostMetrics();
    for (const ms of [0.5, 0.5, 0.5, 3, 3]) single.observe('f', 'succeeded', ms);
    const histogram = await lines(grouped, 'redis_func_invocation');
    const notSum = (l: string) => !l.includes('_sum');
    expect(histogram.filter(notSum)).toEqual((await lines(single, 'redis_func_invocation')).filter(notSum));
    const sum = Number(histogram.find((l) => l.includes('_sum'))?.split(' ')[1]);
    expect(sum).toBeCloseTo(0.0075, 12);
    expect(histogram).toContain('redis_func_invocation_duration_seconds_count{function="f"} 5');
    expect(histogram).toContain('redis_func_invocation_duration_seconds_bucket{le="0.001",function="f"} 3');
    expect(grouped.invocationTotals().get('f')?.succeeded).toBe(5);
    expect(grouped.invocationTotals().get('f')?.durations).toEqual(
      single.invocationTotals().get('f')?.durations,
    );
  });

  it('records a group of invocations in an exported OpenTelemetry histogram as that many observations', () => {
    const recorded: [number, Record<string, unknown>][] = [];
    const instrument = { addCallback: () => undefined };
    const meter = {
      createHistogram: () => ({
        record: (value: number, attributes: Record<string, unknown>) =>
          void recorded.push([value, attributes]),
      }),
      createObservableCounter: () => instrument,
      createObservableGauge: () => instrument,
    };
    const metrics = new HostMetrics();
    metrics.exportTo(meter as never);
    metrics.observe('f', 'succeeded', 2, 3);
    metrics.observe('f', 'failed', 4);
    expect(recorded).toEqual([
      [0.002, { function: 'f', status: 'succeeded' }],
      [0.002, { function: 'f', status: 'succeeded' }],
      [0.002, { function: 'f', status: 'succeeded' }],
      [0.004, { function: 'f', status: 'failed' }],
    ]);
  });

  it('starts over after a registry reset', async () => {
    const metrics = new HostMetrics();
    metrics.observeInvocation(record('a', 'succeeded', 1));
    metrics.registry.resetMetrics();
    expect(await lines(metrics, 'redis_func_invocation')).toEqual([]);
  });

  it('reads the backlog gauges at scrape time, one reading serving the scrapes of a second, the last one kept on failure', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const metrics = new HostMetrics();
      let backlog = 7;
      let readings = 0;
      let failing = false;
      metrics.setScaleSource(() => {
        readings++;
        if (failing) return Promise.reject(new Error('Redis is away'));
        return Promise.resolve([{ fn: { name: 'jobs' }, backlog, target: Math.ceil(backlog / 2) }]);
      });
      expect(await lines(metrics, 'redis_func_backlog')).toEqual(['redis_func_backlog{function="jobs"} 7']);
      expect(await lines(metrics, 'redis_func_target_instances')).toEqual([
        'redis_func_target_instances{function="jobs"} 4',
      ]);
      expect(readings).toBe(1); // both gauges and both scrapes: one reading
      backlog = 9;
      jest.setSystemTime(1_000_999);
      expect(await lines(metrics, 'redis_func_backlog')).toEqual(['redis_func_backlog{function="jobs"} 7']);
      jest.setSystemTime(1_001_000);
      expect(await lines(metrics, 'redis_func_backlog')).toEqual(['redis_func_backlog{function="jobs"} 9']);
      expect(readings).toBe(2);
      failing = true;
      jest.setSystemTime(1_002_000);
      expect(await lines(metrics, 'redis_func_backlog')).toEqual(['redis_func_backlog{function="jobs"} 9']);
      expect(readings).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
