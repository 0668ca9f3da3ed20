import type { HostMetrics, ScaleReading } from '../../metrics/host-metrics';
import { LIST_TRIGGER, type ListTriggerOptions } from '../../triggers/list';
import { PUBSUB_TRIGGER, type PubSubTriggerOptions } from '../../triggers/pubsub';
import { STREAM_TRIGGER, type StreamTriggerOptions } from '../../triggers/stream';
import type { ResolvedFunction } from '../../triggers/trigger';
import type { BoardStats, FunctionActivity } from './board-stats';

/** What the board reads from the host (a HostGroup under `redis-func start`). */
export interface BoardTarget {
  readonly state: string;
  readonly functions: readonly ResolvedFunction[];
  readonly instanceCount: number;
  /** The connection settings whose connection is lost and retrying. */
  reconnecting?(): Promise<ReadonlySet<string>>;
}

export type FunctionState = 'running' | 'disabled' | 'reconnecting' | 'starting' | 'stopping' | 'stopped';

/** One row of the functions table. */
export interface FunctionRow extends FunctionActivity {
  readonly name: string;
  /** `pubsub`, `list`, `stream`, or the trigger type itself. */
  readonly trigger: string;
  readonly triggerType: string;
  /** What it listens to: the channel or pattern, the keys (and the group of a stream). */
  readonly source: string;
  readonly mode: string;
  readonly state: FunctionState;
  readonly connection: string;
  readonly backlog?: number;
  readonly pending?: number;
  readonly target?: number;
}

export interface BoardState {
  readonly host: {
    readonly state: string;
    readonly version: string;
    readonly instances: number;
    readonly now: number;
    /** One bar of the functions' history charts. */
    readonly bucketMs: number;
    readonly pages: number;
  };
  readonly functions: readonly FunctionRow[];
}

export interface StateSources {
  readonly target: BoardTarget;
  readonly metrics: HostMetrics;
  readonly stats: BoardStats;
  readonly version: string;
  readonly pages: number;
}

/** How long the state waits for fresh backlog readings before it shows the last ones. */
const SCALE_WAIT_MS = 500;

/** `GET /admin/board/state`: the host and a row per function. */
export async function boardState(sources: StateSources): Promise<BoardState> {
  const { target, metrics, stats } = sources;
  const [readings, reconnecting] = await Promise.all([
    metrics.readScaleWithin(SCALE_WAIT_MS),
    target.reconnecting?.() ?? Promise.resolve(new Set<string>()),
  ]);
  const functions = target.functions.map((fn) =>
    functionRow(fn, target.state, reconnecting, readings, stats),
  );
  return {
    host: {
      state: target.state,
      version: sources.version,
      instances: target.instanceCount,
      now: Date.now(),
      bucketMs: stats.bucketMs,
      pages: sources.pages,
    },
    functions,
  };
}

function functionRow(
  fn: ResolvedFunction,
  hostState: string,
  reconnecting: ReadonlySet<string>,
  readings: readonly ScaleReading[],
  stats: BoardStats,
): FunctionRow {
  const reading = readings.find((r) => r.fn.name === fn.name);
  const pending = reading?.pending;
  return {
    name: fn.name,
    ...describeTrigger(fn),
    triggerType: fn.triggerType,
    state: stateOf(fn, hostState, reconnecting),
    connection: fn.options.connection,
    ...stats.activity(fn.name),
    ...(reading ? { backlog: reading.backlog, target: reading.target } : {}),
    ...(pending === undefined ? {} : { pending }),
  };
}

function stateOf(fn: ResolvedFunction, hostState: string, reconnecting: ReadonlySet<string>): FunctionState {
  if (fn.disabled) return 'disabled';
  if (hostState === 'created' || hostState === 'starting') return 'starting';
  if (hostState === 'closing') return 'stopping';
  if (hostState === 'closed') return 'stopped';
  return reconnecting.has(fn.options.connection) ? 'reconnecting' : 'running';
}

function describeTrigger(fn: ResolvedFunction): { trigger: string; source: string; mode: string } {
  if (fn.triggerType === PUBSUB_TRIGGER) {
    const o = fn.options as PubSubTriggerOptions;
    const command = o.sharded ? 'SSUBSCRIBE' : o.pattern ? 'PSUBSCRIBE' : 'SUBSCRIBE';
    const mode = o.concurrency > 1 ? `${command}, ${o.concurrency} at once` : command;
    return { trigger: 'pubsub', source: o.channel, mode };
  }
  if (fn.triggerType === LIST_TRIGGER) {
    const o = fn.options as ListTriggerOptions;
    const parts = [o.mode, o.reliable ? 'reliable' : undefined, batchPart(o)];
    return { trigger: 'list', source: o.keys.join(', '), mode: parts.filter(Boolean).join(', ') };
  }
  if (fn.triggerType === STREAM_TRIGGER) {
    const o = fn.options as StreamTriggerOptions;
    const source = `${o.keys.join(', ')} (group ${o.consumerGroup})`;
    return { trigger: 'stream', source, mode: [o.mode, batchPart(o)].filter(Boolean).join(', ') };
  }
  return { trigger: fn.triggerType, source: '', mode: '' };
}

function batchPart(o: { cardinality: 'one' | 'many'; batchSize: number; concurrency: number }): string {
  const batch = o.cardinality === 'many' ? `batches of ${o.batchSize}` : `reads ${o.batchSize}`;
  return o.concurrency > 1 ? `${batch}, ${o.concurrency} at once` : batch;
}
