/**
 * The small operations listeners need from Redis. One adapter talks to a real server (src/redis),
 * one keeps everything in memory (src/testing); listeners and the invoker are the same code for both.
 */

export interface Subscription {
  readonly channel: string;
  /** true: PSUBSCRIBE (glob pattern); false: SUBSCRIBE (exact channel). */
  readonly pattern: boolean;
  /** true: SSUBSCRIBE (Redis 7 sharded Pub/Sub: receives SPUBLISH, exact channel, never a pattern). */
  readonly sharded?: boolean;
}

export type MessageHandler = (message: string, channel: string) => void;

export interface PubSubPort {
  /** Subscribes; resolves once the server confirmed; the returned function unsubscribes. */
  subscribe(subscription: Subscription, onMessage: MessageHandler): Promise<() => Promise<void>>;
  /** The server's `notify-keyspace-events` flags, or undefined when they cannot be read (CONFIG disabled). */
  keyspaceEventFlags(): Promise<string | undefined>;
}

/** Runs one Redis command (input and output bindings). */
export interface CommandPort {
  execute(args: readonly string[]): Promise<unknown>;
}

/** One stream entry as read: its stream key, its id and its fields (in the order they were added). */
export interface StreamEntry {
  readonly key: string;
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Times delivered to the group, this delivery included (XPENDING): 1 when read new, more when claimed. */
  readonly deliveries?: number;
}

/** One pending entry taken over for a later retry: the consumer that holds it and what it counts. */
export interface RetryMark {
  readonly key: string;
  readonly group: string;
  readonly consumer: string;
  readonly id: string;
  /** Attempts made so far, as the entry's delivery count records them. */
  readonly attempts: number;
}

export interface ReadGroupRequest {
  readonly keys: readonly string[];
  readonly group: string;
  readonly consumer: string;
  /** At most this many entries per key (XREADGROUP COUNT). */
  readonly count: number;
  /** Wait up to this many ms for new entries (XREADGROUP BLOCK, on a connection of the consumer's own). */
  readonly blockMs?: number;
  /** The function reading: names a blocking read's own connection (CLIENT SETNAME). */
  readonly functionName?: string;
  /** Aborting releases a blocked read at once (its result is then empty or an error). */
  readonly signal?: AbortSignal;
  /**
   * Re-reads the consumer's own pending entries with ids after this one (`0` for all: XREADGROUP with an
   * id), instead of new entries; their delivery count goes up by one, as a claim's does. Never blocks.
   */
  readonly pendingAfter?: string;
}

export interface ClaimIdleRequest {
  readonly key: string;
  readonly group: string;
  /** The consumer that takes the entries over. */
  readonly consumer: string;
  /** Only entries delivered at least this long ago, to any consumer of the group. */
  readonly minIdleMs: number;
  readonly count: number;
  /** Where to continue scanning the pending entries; `0-0` starts over. */
  readonly cursor: string;
}

export interface ClaimIdleResult {
  readonly entries: readonly StreamEntry[];
  /** Where the next call continues; `0-0` when the scan went round. */
  readonly cursor: string;
}

/** Stream consumer-group operations (the stream trigger's port). */
export interface StreamPort {
  /** The server's version, e.g. `7.0.15`. */
  serverVersion(): Promise<string>;
  /** XGROUP CREATE key group startId MKSTREAM; false when the group already exists. */
  createGroup(key: string, group: string, startId: string): Promise<boolean>;
  /** XREADGROUP ... STREAMS keys > (new entries only; see `pendingAfter`); empty when there are none. */
  readGroup(request: ReadGroupRequest): Promise<StreamEntry[]>;
  /** XACK; the number of entries that were pending. */
  ack(key: string, group: string, ids: readonly string[]): Promise<number>;
  /** XDEL; the number of entries deleted. */
  deleteEntries(key: string, ids: readonly string[]): Promise<number>;
  /** Claims entries pending longer than `minIdleMs` (XAUTOCLAIM; XPENDING + XCLAIM before Redis 6.2). */
  claimIdle(request: ClaimIdleRequest): Promise<ClaimIdleResult>;
  /**
   * After a failed attempt, with a retry due in some time: while the entry is pending on `mark.consumer`,
   * sets its delivery count to `mark.attempts` and its idle time to `idleMs` (XCLAIM ... IDLE RETRYCOUNT
   * JUSTID), so that if this consumer stops, the entry is claimed once idle for the reclaim time and its
   * attempts count on. False when it is not pending there any more.
   */
  markRetry(mark: RetryMark, idleMs: number): Promise<boolean>;
  /**
   * Takes the entry back for attempt `attempt`: true when it is still pending on `mark.consumer` with the
   * count `mark.attempts` (then the count becomes `attempt` and the idle time 0, atomically); false when
   * another consumer claimed it meanwhile, or it was acked.
   */
  resumeRetry(mark: RetryMark, attempt: number): Promise<boolean>;
  /** How many entries of the group are pending on `consumer`. */
  pendingCount(key: string, group: string, consumer: string): Promise<number>;
  /** XGROUP DELCONSUMER (drops the consumer's pending entries); the number it had pending. */
  deleteConsumer(key: string, group: string, consumer: string): Promise<number>;
}

/** What the scale controller reads: how much work is waiting. */
export interface ScalePort {
  /** LLEN summed over the keys. */
  listBacklog(keys: readonly string[]): Promise<number>;
  /**
   * Entries not yet delivered to the group, as Azure's scale monitor counts them: the group's lag (XINFO
   * GROUPS, Redis >= 7; otherwise counted from the last delivered id); pending entries do not count. A
   * stream without the group counts all its entries (XLEN); a stream that does not exist counts 0.
   */
  streamBacklog(key: string, group: string): Promise<number>;
  /** Entries delivered to the group and not acknowledged yet (XINFO GROUPS `pending`); 0 without the group. */
  streamPending?(key: string, group: string): Promise<number>;
  /** Elements in the processing lists of a reliable list's listeners: taken and not yet handled. */
  listPending?(keys: readonly string[]): Promise<number>;
}

/** An end of a list: `left` is the head (LPOP), `right` the tail (RPOP). */
export type ListEnd = 'left' | 'right';

/**
 * How a server pops a batch: `lmpop` (Redis >= 7.0, LMPOP over every key), `pop-count` (6.2, `LPOP key n`
 * on one key), `pop-one` (older: single-element pops of one key, pipelined up to the count).
 */
export type ListPopCommand = 'lmpop' | 'pop-count' | 'pop-one';

/** One list element as popped: the key it came from and its value. */
export interface ListElement {
  readonly key: string;
  readonly value: string;
}

export interface ListPopRequest {
  /** `lmpop` pops from the first non-empty key in order; the other commands use the first key only. */
  readonly keys: readonly string[];
  readonly from: ListEnd;
  /** At most this many elements. */
  readonly count: number;
  readonly command: ListPopCommand;
  /** Wait up to this many ms for an element (BLMPOP / BLPOP / BRPOP) on a connection of `reader`'s own. */
  readonly blockMs?: number;
  /** Names the dedicated connection of a blocking reader (one per listener). */
  readonly reader: string;
  /** The function reading: names a blocking read's own connection (CLIENT SETNAME). */
  readonly functionName?: string;
  /** Aborting releases a blocked read at once (its result is then empty, or what it had already popped). */
  readonly signal?: AbortSignal;
}

export interface ListMoveRequest {
  /** Sources tried in order until `count` elements were moved. */
  readonly keys: readonly string[];
  /** The listener that owns the processing lists (`listProcessingKey(key, owner)`). */
  readonly owner: string;
  readonly from: ListEnd;
  readonly count: number;
  /** When nothing could be moved: wait up to this many ms on `keys[0]` (BLMOVE) on the owner's own connection. */
  readonly blockMs?: number;
  readonly signal?: AbortSignal;
  /** The function reading: names a blocking read's own connection (CLIENT SETNAME). */
  readonly functionName?: string;
}

/** Recorded with a removal of handled elements (see {@link ListPort.removeProcessed}). */
export interface ListReceipt {
  readonly id: string;
  /** Per key: receipts of earlier removals whose outcome the owner knows, to drop. */
  readonly forget: ReadonlyMap<string, readonly string[]>;
}

export interface ListAuditRequest {
  readonly key: string;
  readonly owner: string;
  readonly to: ListEnd;
  /** Values of `key` the owner holds in processing (running, or handled and not yet removed): kept. */
  readonly held: readonly string[];
  /** Removals of `key`'s handled elements whose outcome the owner does not know: their receipt and values. */
  readonly removals: readonly { readonly id: string; readonly values: readonly string[] }[];
}

/**
 * List operations (the list trigger's port). Reliable mode keeps each taken element in a processing list
 * of its owner (a listener) until it was handled; an owner is alive while its heartbeat key exists.
 * Key names come from src/triggers/list-keys.ts.
 */
export interface ListPort {
  /** The server's version, e.g. `7.0.15`. */
  serverVersion(): Promise<string>;
  /**
   * Destructive pops of up to `count` elements; empty when there are none. A blocking pop over keys of several
   * cluster slots blocks on each slot at once and returns what each popped, which can add up to more than
   * `count` (an element once popped is never pushed back).
   */
  pop(request: ListPopRequest): Promise<ListElement[]>;
  /** LMOVE (BLMOVE when blocking) of up to `count` elements to the owner's processing lists, atomically with
   *  registering the owner on the source (so a processing list is never unknown to recovery). */
  moveToProcessing(request: ListMoveRequest): Promise<ListElement[]>;
  /**
   * Handled elements: each removed (one occurrence) from the owner's processing list of its key. With a
   * receipt, atomically with the removal, `receipt.id` is recorded in the owner's receipts of each key (and
   * the ids in `receipt.forget` for that key dropped), so that {@link audit} can tell whether a removal
   * whose reply was lost took place.
   */
  removeProcessed(owner: string, elements: readonly ListElement[], receipt?: ListReceipt): Promise<void>;
  /** A failed element: out of the processing list and back to the `to` end of its key, atomically. */
  requeue(owner: string, element: ListElement, to: ListEnd): Promise<void>;
  /** Registers `owner` on each key and marks it alive for `ttlMs` (renewed by calling again). */
  heartbeat(owner: string, keys: readonly string[], ttlMs: number): Promise<void>;
  /** Ends the owner's heartbeat at once (it is then gone, as after its TTL). */
  stopHeartbeat(owner: string, keys: readonly string[]): Promise<void>;
  /**
   * Returns the elements in processing lists of `key` whose owner is gone (no heartbeat) to the `to` end of
   * `key`, oldest nearest that end, and forgets those owners; resolves with how many elements moved. `self`,
   * the caller's own owner, is never taken for gone: a running listener whose heartbeat key expired during a
   * stall (between renewing it and recovering) still holds, and may have handled, what its list holds.
   */
  recover(key: string, to: ListEnd, self?: string): Promise<number>;
  /**
   * Reconciles the owner's processing list of `key` with what the owner knows it holds there, after a
   * command's reply was lost. Atomically: each of `removals` that left no receipt is done now; the receipts
   * are cleared; then every element beyond `held` (a move's elements whose reply was lost) returns to the
   * `to` end of `key`, oldest nearest that end, as {@link recover} returns a gone owner's. Resolves with how
   * many elements returned.
   */
  audit(request: ListAuditRequest): Promise<number>;
}

/**
 * Tells polling listeners that keys were written, so they read at once instead of waiting out the polling
 * interval. Only the in-memory broker has it; against Redis a listener polls or blocks.
 */
export interface ChangeFeed {
  /** A watcher of `keys`: each `next` resolves once a key was written since the previous `next` resolved. */
  watch(keys: readonly string[]): { next(signal: AbortSignal): Promise<void> };
}

/** Everything a listener may use on one connection. */
export interface BrokerPorts {
  readonly pubsub: PubSubPort;
  /** For stream triggers (optional so brokers without streams still satisfy the type). */
  readonly streams?: StreamPort;
  /** For list triggers (optional so brokers without lists still satisfy the type). */
  readonly lists?: ListPort;
  /** For `redis` input and output bindings. */
  readonly commands?: CommandPort;
  /** For the scale metric (backlog per function). */
  readonly scale?: ScalePort;
  /** Wakes polling listeners early (in-memory broker). */
  readonly changes?: ChangeFeed;
  /**
   * Resolves once commands just issued are on their way to the server. A polling loop awaits it after
   * sending a fetch ahead, before running a batch that may never yield (Redis: node-redis writes from a
   * setImmediate). `mode` is the listener's: a polling read is queued before its fetch returns, a blocking
   * one after awaits of its own. Absent where commands take effect at once (in-memory broker).
   */
  readonly sendOff?: (mode: 'polling' | 'blocking') => Promise<void>;
}

/** Hands out ports per connection setting. */
export interface Broker {
  ports(connection: string): BrokerPorts;
  /** Connection descriptions without secrets, for status output. */
  describe(): Promise<Record<string, string>>;
  /** The connection settings whose connection is lost and retrying (the board shows them). */
  reconnecting?(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The scale port, or a clear error for a broker that cannot measure backlog. */
export function requireScalePort(ports: BrokerPorts): ScalePort {
  if (!ports.scale) throw new Error('This broker cannot measure backlog (no scale port).');
  return ports.scale;
}
