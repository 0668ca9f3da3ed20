import type { InvocationRecord } from '../../../../src/invoke/invoker';
import { boardState, type BoardTarget } from '../../../../src/host/board/board-state';
import { BoardStats } from '../../../../src/host/board/board-stats';
import { HostMetrics } from '../../../../src/metrics/host-metrics';
import type { ResolvedFunction } from '../../../../src/triggers/trigger';

const fn = (name: string, triggerType: string, options: object, disabled = false): ResolvedFunction =>
  ({ name, triggerType, options: { connection: 'Redis', ...options }, disabled }) as ResolvedFunction;

const functions = [
  fn('onOrder', 'redisPubSubTrigger', { channel: 'orders:*', pattern: true, sharded: false, concurrency: 1 }),
  fn('onExact', 'redisPubSubTrigger', { channel: 'one', pattern: false, sharded: false, concurrency: 4 }),
  fn('onJob', 'redisListTrigger', {
    keys: ['a', 'b'],
    mode: 'blocking',
    reliable: true,
    cardinality: 'many',
    batchSize: 16,
    concurrency: 1,
    connection: 'Jobs',
  }),
  fn('onEvent', 'redisStreamTrigger', {
    keys: ['s'],
    consumerGroup: 'g',
    mode: 'polling',
    cardinality: 'one',
    batchSize: 10,
    concurrency: 10,
  }),
  fn(
    'onOff',
    'redisStreamTrigger',
    { keys: ['t'], consumerGroup: 'g', mode: 'polling', cardinality: 'one', batchSize: 1, concurrency: 1 },
    true,
  ),
];

async function stateOf(target: Partial<BoardTarget>, metrics = new HostMetrics(), meanwhile = () => {}) {
  const stats = new BoardStats(metrics, { buckets: 2 });
  stats.tick();
  meanwhile();
  return boardState({
    target: { state: 'running', functions, instanceCount: 2, ...target },
    metrics,
    stats,
    version: '9.9.9',
    pages: 1,
  });
}

describe('boardState', () => {
  it('describes each function: its trigger, source, mode, state and counts; backlog for lists and streams', async () => {
    const metrics = new HostMetrics();
    metrics.setScaleSource(() =>
      Promise.resolve([{ fn: { name: 'onJob' }, backlog: 40, target: 3, pending: 2 }]),
    );
    const state = await stateOf({ reconnecting: () => Promise.resolve(new Set(['Jobs'])) }, metrics, () =>
      metrics.observeInvocation({
        functionName: 'onJob',
        status: 'failed',
        durationMs: 3,
      } as InvocationRecord),
    );
    expect(state.host).toEqual({
      state: 'running',
      version: '9.9.9',
      instances: 2,
      now: expect.any(Number),
      bucketMs: 10_000,
      pages: 1,
    });
    const rows = state.functions.map(({ name, trigger, source, mode, state: s }) => [
      name,
      trigger,
      source,
      mode,
      s,
    ]);
    expect(rows).toEqual([
      ['onOrder', 'pubsub', 'orders:*', 'PSUBSCRIBE', 'running'],
      ['onExact', 'pubsub', 'one', 'SUBSCRIBE, 4 at once', 'running'],
      ['onJob', 'list', 'a, b', 'blocking, reliable, batches of 16', 'reconnecting'],
      ['onEvent', 'stream', 's (group g)', 'polling, reads 10, 10 at once', 'running'],
      ['onOff', 'stream', 't (group g)', 'polling, reads 1', 'disabled'],
    ]);
    expect(state.functions[2]).toMatchObject({ failed: 1, succeeded: 0, backlog: 40, pending: 2, target: 3 });
    expect(state.functions[2]?.p50Ms).toBeGreaterThanOrEqual(3);
    expect(state.functions[0]).not.toHaveProperty('backlog');
  });

  it('answers with the last backlog readings while fresh ones wait for an unreachable Redis', async () => {
    const metrics = new HostMetrics();
    let answer = true;
    metrics.setScaleSource(
      () =>
        answer
          ? Promise.resolve([{ fn: { name: 'onJob' }, backlog: 7, target: 1, pending: 0 }])
          : new Promise(() => undefined), // commands wait in the offline queue
    );
    await metrics.readScale();
    answer = false;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared reading's second
    const state = await stateOf({}, metrics);
    expect(state.functions[2]).toMatchObject({ backlog: 7 });
  });

  it("follows the host's state while it starts and stops", async () => {
    for (const [host, shown] of [
      ['starting', 'starting'],
      ['closing', 'stopping'],
      ['closed', 'stopped'],
    ] as const) {
      const state = await stateOf({ state: host });
      expect(state.functions.map((f) => f.state)).toEqual([shown, shown, shown, shown, 'disabled']);
    }
  });
});
