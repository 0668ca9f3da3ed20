import { ErrorCodes, RedisFuncError } from '../errors';
import { MemoryList } from './memory-list';

export interface MemoryStreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface PendingEntry {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

export interface MemoryGroup {
  lastDelivered: string;
  readonly pending: Map<string, PendingEntry>;
  readonly consumers: Set<string>;
}

export interface MemoryStream {
  readonly entries: MemoryStreamEntry[];
  lastId: string;
  readonly groups: Map<string, MemoryGroup>;
}

type Waiter = { keys: ReadonlySet<string>; resolve: () => void };

/**
 * The data of the in-memory Redis: strings (with expiry), lists, sets and streams, a change feed that
 * wakes readers waiting for keys, and keyspace events for the Pub/Sub side.
 */
export class MemoryStore {
  readonly strings = new Map<string, { value: string; expiresAt?: number }>();
  readonly lists = new Map<string, MemoryList>();
  readonly sets = new Map<string, Set<string>>();
  readonly streams = new Map<string, MemoryStream>();
  private readonly waiters = new Set<Waiter>();
  private readonly versions = new Map<string, number>();
  /** Called for every write, as keyspace notifications would be raised (`set`, `del`, `lpush`, ...). */
  onKeyEvent: ((event: string, key: string) => void) | undefined;

  /** Marks a write: wakes readers waiting on the key and raises its keyspace event. */
  touched(key: string, event: string): void {
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    for (const waiter of [...this.waiters]) {
      if (waiter.keys.has(key)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    this.onKeyEvent?.(event, key);
  }

  /** Raises a keyspace/keyevent notification only (for writes that wake no reader: pops, group changes). */
  notify(event: string, key: string): void {
    this.onKeyEvent?.(event, key);
  }

  /** Resolves when one of `keys` is written, or when `signal` aborts. */
  waitForData(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        keys: new Set(keys),
        resolve: () => {
          signal?.removeEventListener('abort', done);
          resolve();
        },
      };
      const done = (): void => {
        this.waiters.delete(waiter);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Watches keys: `next` resolves at once when a key changed since the last `next` (or since watching). */
  watch(keys: readonly string[]): { next(signal: AbortSignal): Promise<void> } {
    const version = (): number => keys.reduce((n, k) => n + (this.versions.get(k) ?? 0), 0);
    let seen = version();
    return {
      next: async (signal) => {
        if (version() === seen) await this.waitForData(keys, signal);
        seen = version();
      },
    };
  }

  list(key: string, create = false): MemoryList | undefined {
    this.assertType(key, 'list');
    let list = this.lists.get(key);
    if (!list && create) {
      list = new MemoryList();
      this.lists.set(key, list);
    }
    return list;
  }

  /** Drops an empty list, as Redis deletes keys whose list became empty (raising `del`). */
  tidy(key: string): void {
    if (this.lists.get(key)?.length !== 0) return;
    this.lists.delete(key);
    this.notify('del', key);
  }

  getString(key: string): string | undefined {
    this.assertType(key, 'string');
    const entry = this.strings.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.strings.delete(key);
      return undefined;
    }
    return entry?.value;
  }

  setString(key: string, value: string, ttlMs?: number): void {
    this.deleteKey(key, false);
    this.strings.set(key, { value, ...(ttlMs === undefined ? {} : { expiresAt: Date.now() + ttlMs }) });
  }

  exists(key: string): boolean {
    return (
      (this.strings.has(key) && this.getString(key) !== undefined) ||
      this.lists.has(key) ||
      this.sets.has(key) ||
      this.streams.has(key)
    );
  }

  /** DEL: true when the key existed. */
  deleteKey(key: string, notify = true): boolean {
    const existed = this.exists(key);
    this.strings.delete(key);
    this.lists.delete(key);
    this.sets.delete(key);
    this.streams.delete(key);
    if (existed && notify) this.touched(key, 'del');
    return existed;
  }

  set(key: string): Set<string> {
    let set = this.sets.get(key);
    if (!set) {
      set = new Set();
      this.sets.set(key, set);
    }
    return set;
  }

  stream(key: string, create = false): MemoryStream | undefined {
    this.assertType(key, 'stream');
    let stream = this.streams.get(key);
    if (!stream && create) {
      stream = { entries: [], lastId: '0-0', groups: new Map() };
      this.streams.set(key, stream);
    }
    return stream;
  }

  /**
   * The id XADD gives an entry of a stream whose last id is `lastId`: `<id>` as given, `<ms>-*` (the next sequence of that
   * millisecond), or `*` (now, or the stream's last id plus one when the clock is behind it), as Redis
   * does per stream. An id not above the stream's last id is refused with Redis's error.
   */
  entryId(lastId: string, requested: string): string {
    const [lastMs = 0, lastSeq = 0] = lastId.split('-').map(Number);
    let id = requested;
    if (requested === '*') {
      const now = Date.now();
      id = now > lastMs ? `${now}-0` : `${lastMs}-${lastSeq + 1}`;
    } else if (requested.endsWith('-*')) {
      const ms = Number(requested.slice(0, -2));
      id = `${ms}-${ms === lastMs ? lastSeq + 1 : 0}`;
    }
    if (!/^\d+(-\d+)?$/.test(id))
      throw new Error('ERR Invalid stream ID specified as stream command argument');
    if (!id.includes('-')) id = `${id}-0`;
    if (id === '0-0') throw new Error('ERR The ID specified in XADD must be greater than 0-0');
    if (compareIds(id, lastId) <= 0) {
      throw new Error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    }
    return id;
  }

  private assertType(key: string, wanted: 'string' | 'list' | 'stream'): void {
    const actual = this.strings.has(key)
      ? 'string'
      : this.lists.has(key)
        ? 'list'
        : this.sets.has(key)
          ? 'set'
          : this.streams.has(key)
            ? 'stream'
            : undefined;
    if (actual !== undefined && actual !== wanted) {
      throw new RedisFuncError(
        ErrorCodes.HOST_STATE,
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
    }
  }
}

/** Compares stream ids (`ms-seq`). */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
