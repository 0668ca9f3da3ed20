import type {
  ClaimIdleRequest,
  ClaimIdleResult,
  ReadGroupRequest,
  RetryMark,
  StreamEntry,
  StreamPort,
} from '../triggers/ports';
import { sleep } from '../timers';
import { MEMORY_SERVER_VERSION } from './memory-lists';
import { compareIds, type MemoryGroup, type MemoryStore } from './memory-store';

/** One entry of a group's pending entries list, as XPENDING reports it. */
export interface PendingEntryInfo {
  readonly id: string;
  readonly consumer: string;
  /** Milliseconds since the entry was last delivered (to any consumer). */
  readonly idleMs: number;
  /** How many times it was delivered (1 on the first read, +1 per claim). */
  readonly deliveries: number;
}

/** The stream port on the in-memory store: consumer groups with pending entries, idle times and claims. */
export class MemoryStreamPort implements StreamPort {
  constructor(private readonly store: MemoryStore) {}

  serverVersion(): Promise<string> {
    return Promise.resolve(MEMORY_SERVER_VERSION);
  }

  createGroup(key: string, group: string, startId: string): Promise<boolean> {
    const stream = this.store.stream(key, true);
    if (!stream || stream.groups.has(group)) return Promise.resolve(false);
    stream.groups.set(group, {
      lastDelivered: startId === '$' ? stream.lastId : startId,
      pending: new Map(),
      consumers: new Set(),
    });
    this.store.notify('xgroup-create', key);
    return Promise.resolve(true);
  }

  async readGroup(request: ReadGroupRequest): Promise<StreamEntry[]> {
    const entries = this.readNow(request);
    if (entries.length > 0 || !request.blockMs) return entries;
    const timeout = new AbortController();
    const stop = (): void => timeout.abort();
    request.signal?.addEventListener('abort', stop, { once: true });
    await Promise.race([
      this.store.waitForData(request.keys, timeout.signal),
      sleep(request.blockMs, timeout.signal),
    ]);
    timeout.abort();
    request.signal?.removeEventListener('abort', stop);
    return this.readNow(request);
  }

  ack(key: string, group: string, ids: readonly string[]): Promise<number> {
    const pending = this.group(key, group)?.pending;
    return Promise.resolve(ids.filter((id) => pending?.delete(id)).length);
  }

  deleteEntries(key: string, ids: readonly string[]): Promise<number> {
    const stream = this.store.stream(key);
    if (!stream) return Promise.resolve(0);
    const before = stream.entries.length;
    const doomed = new Set(ids);
    stream.entries.splice(0, stream.entries.length, ...stream.entries.filter((e) => !doomed.has(e.id)));
    const deleted = before - stream.entries.length;
    if (deleted > 0) this.store.notify('xdel', key);
    return Promise.resolve(deleted);
  }

  claimIdle(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    const stream = this.store.stream(request.key);
    const group = this.group(request.key, request.group);
    if (!stream || !group) return Promise.reject(noGroup(request.key, request.group));
    const now = Date.now();
    const ids = [...group.pending.keys()]
      .filter((id) => compareIds(id, request.cursor) >= 0)
      .sort(compareIds);
    const claimed: StreamEntry[] = [];
    let cursor = '0-0';
    for (const id of ids) {
      if (claimed.length >= request.count) {
        cursor = id;
        break;
      }
      const pending = group.pending.get(id);
      if (!pending || now - pending.deliveredAt < request.minIdleMs) continue;
      const entry = stream.entries.find((e) => e.id === id);
      if (!entry) {
        group.pending.delete(id); // deleted meanwhile: XAUTOCLAIM drops it
        continue;
      }
      group.pending.set(id, {
        consumer: request.consumer,
        deliveredAt: now,
        deliveries: pending.deliveries + 1,
      });
      this.addConsumer(request.key, group, request.consumer);
      claimed.push({ key: request.key, id, fields: entry.fields, deliveries: pending.deliveries + 1 });
    }
    return Promise.resolve({ entries: claimed, cursor });
  }

  markRetry(mark: RetryMark, idleMs: number): Promise<boolean> {
    const pending = this.group(mark.key, mark.group)?.pending;
    const held = pending?.get(mark.id);
    if (!pending || held?.consumer !== mark.consumer) return Promise.resolve(false);
    const deliveredAt = Date.now() - Math.max(0, idleMs);
    pending.set(mark.id, { consumer: mark.consumer, deliveredAt, deliveries: mark.attempts });
    return Promise.resolve(true);
  }

  resumeRetry(mark: RetryMark, attempt: number): Promise<boolean> {
    const pending = this.group(mark.key, mark.group)?.pending;
    const held = pending?.get(mark.id);
    if (!pending || held?.consumer !== mark.consumer || held.deliveries !== mark.attempts)
      return Promise.resolve(false);
    pending.set(mark.id, { consumer: mark.consumer, deliveredAt: Date.now(), deliveries: attempt });
    return Promise.resolve(true);
  }

  pendingCount(key: string, group: string, consumer: string): Promise<number> {
    const pending = [...(this.group(key, group)?.pending.values() ?? [])];
    return Promise.resolve(pending.filter((p) => p.consumer === consumer).length);
  }

  deleteConsumer(key: string, group: string, consumer: string): Promise<number> {
    const g = this.group(key, group);
    if (!g) return Promise.resolve(0);
    let dropped = 0;
    for (const [id, p] of g.pending) {
      if (p.consumer === consumer) {
        g.pending.delete(id);
        dropped++;
      }
    }
    if (g.consumers.delete(consumer)) this.store.notify('xgroup-delconsumer', key);
    return Promise.resolve(dropped);
  }

  /** Pending entries of a group, per consumer (for tests' assertions). */
  pendingOf(key: string, group: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, p] of this.group(key, group)?.pending ?? []) (out[p.consumer] ??= []).push(id);
    return out;
  }

  /** A group's pending entries list, lowest id first (for tests' assertions). */
  pendingEntriesOf(key: string, group: string): PendingEntryInfo[] {
    const now = Date.now();
    return [...(this.group(key, group)?.pending ?? [])]
      .sort(([a], [b]) => compareIds(a, b))
      .map(([id, p]) => ({
        id,
        consumer: p.consumer,
        idleMs: now - p.deliveredAt,
        deliveries: p.deliveries,
      }));
  }

  private readNow(request: ReadGroupRequest): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (const key of request.keys) {
      const stream = this.store.stream(key);
      const group = this.group(key, request.group);
      if (!stream || !group) throw noGroup(key, request.group);
      this.addConsumer(key, group, request.consumer);
      if (request.pendingAfter !== undefined) {
        out.push(...this.rereadPending(key, stream.entries, group, request));
        continue;
      }
      const fresh = stream.entries
        .filter((e) => compareIds(e.id, group.lastDelivered) > 0)
        .slice(0, request.count);
      for (const entry of fresh) {
        group.pending.set(entry.id, { consumer: request.consumer, deliveredAt: Date.now(), deliveries: 1 });
        group.lastDelivered = entry.id;
        out.push({ key, id: entry.id, fields: entry.fields });
      }
    }
    return out;
  }

  /** XREADGROUP with an id: the consumer's own pending entries after it, each delivered once more. */
  private rereadPending(
    key: string,
    entries: readonly { id: string; fields: Readonly<Record<string, string>> }[],
    group: MemoryGroup,
    request: ReadGroupRequest,
  ): StreamEntry[] {
    const after = request.pendingAfter ?? '0';
    const ids = [...group.pending]
      .filter(([id, p]) => p.consumer === request.consumer && compareIds(id, after) > 0)
      .map(([id]) => id)
      .sort(compareIds)
      .slice(0, request.count);
    const out: StreamEntry[] = [];
    for (const id of ids) {
      const pending = group.pending.get(id);
      const entry = entries.find((e) => e.id === id);
      if (!pending || !entry) continue; // deleted meanwhile: nothing to run
      group.pending.set(id, { ...pending, deliveredAt: Date.now(), deliveries: pending.deliveries + 1 });
      out.push({ key, id, fields: entry.fields });
    }
    return out;
  }

  /** Consumers are created on first use (XREADGROUP, XAUTOCLAIM), raising `xgroup-createconsumer`. */
  private addConsumer(key: string, group: MemoryGroup, consumer: string): void {
    if (group.consumers.has(consumer)) return;
    group.consumers.add(consumer);
    this.store.notify('xgroup-createconsumer', key);
  }

  private group(key: string, group: string): MemoryGroup | undefined {
    return this.store.stream(key)?.groups.get(group);
  }
}

function noGroup(key: string, group: string): Error {
  return new Error(
    `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`,
  );
}
