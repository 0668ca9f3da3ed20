import {
  listAliveKey,
  listKeyPrefixes,
  listOwnersKey,
  listProcessingKey,
  listReceiptsKey,
} from '../triggers/list-keys';
import type {
  ListAuditRequest,
  ListElement,
  ListEnd,
  ListMoveRequest,
  ListPopRequest,
  ListPort,
  ListReceipt,
} from '../triggers/ports';
import { sleep } from '../timers';
import type { MemoryStore } from './memory-store';

export const MEMORY_SERVER_VERSION = '7.2.0';

/** The list port on the in-memory store, with Redis 7 semantics (LMPOP, LMOVE, blocking waits). */
export class MemoryListPort implements ListPort {
  constructor(private readonly store: MemoryStore) {}

  serverVersion(): Promise<string> {
    return Promise.resolve(MEMORY_SERVER_VERSION);
  }

  async pop(request: ListPopRequest): Promise<ListElement[]> {
    const popped = this.popNow(request);
    if (popped.length > 0 || !request.blockMs) return popped;
    await this.waitFor(request.command === 'lmpop' ? request.keys : request.keys.slice(0, 1), request);
    return this.popNow(request);
  }

  async moveToProcessing(request: ListMoveRequest): Promise<ListElement[]> {
    const moved = this.moveNow(request);
    if (moved.length > 0 || !request.blockMs) return moved;
    this.store.set(listOwnersKey(request.keys[0] ?? '')).add(request.owner);
    await this.waitFor(request.keys.slice(0, 1), request);
    return this.moveNow({ ...request, keys: request.keys.slice(0, 1), count: 1 });
  }

  removeProcessed(owner: string, elements: readonly ListElement[], receipt?: ListReceipt): Promise<void> {
    for (const element of elements) this.remove(listProcessingKey(element.key, owner), element.value);
    if (!receipt) return Promise.resolve();
    for (const key of new Set(elements.map((e) => e.key))) {
      const receipts = this.store.set(listReceiptsKey(key, owner));
      for (const id of receipt.forget.get(key) ?? []) receipts.delete(id);
      receipts.add(receipt.id);
    }
    return Promise.resolve();
  }

  audit(request: ListAuditRequest): Promise<number> {
    const processingKey = listProcessingKey(request.key, request.owner);
    const receiptsKey = listReceiptsKey(request.key, request.owner);
    const receipts = this.store.sets.get(receiptsKey);
    for (const removal of request.removals) {
      if (receipts?.has(removal.id)) continue;
      for (const value of removal.values) this.remove(processingKey, value, true);
    }
    this.store.sets.delete(receiptsKey);
    const keep = new Map<string, number>();
    for (const value of request.held) keep.set(value, (keep.get(value) ?? 0) + 1);
    const kept: string[] = [];
    const found: string[] = [];
    for (const value of (this.store.list(processingKey)?.toArray() ?? []).reverse()) {
      const count = keep.get(value) ?? 0;
      if (count > 0) keep.set(value, count - 1);
      (count > 0 ? kept : found).push(value);
    }
    if (found.length === 0) return Promise.resolve(0);
    this.store.deleteKey(processingKey, false);
    if (kept.length > 0) this.store.list(processingKey, true)?.pushLeft(kept);
    for (const value of found.reverse()) this.push(request.key, value, request.to);
    return Promise.resolve(found.length);
  }

  requeue(owner: string, element: ListElement, to: ListEnd): Promise<void> {
    this.remove(listProcessingKey(element.key, owner), element.value);
    this.push(element.key, element.value, to);
    return Promise.resolve();
  }

  heartbeat(owner: string, keys: readonly string[], ttlMs: number): Promise<void> {
    for (const key of keys) {
      this.store.set(listOwnersKey(key)).add(owner);
      this.store.setString(listAliveKey(key, owner), '1', ttlMs);
    }
    return Promise.resolve();
  }

  stopHeartbeat(owner: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) this.store.deleteKey(listAliveKey(key, owner), false);
    return Promise.resolve();
  }

  recover(key: string, to: ListEnd, self?: string): Promise<number> {
    const owners = this.store.set(listOwnersKey(key));
    const prefixes = listKeyPrefixes(key);
    let moved = 0;
    for (const owner of [...owners]) {
      if (owner === self || this.store.getString(prefixes.alive + owner) !== undefined) continue;
      const processing = this.store.list(prefixes.processing + owner);
      for (const value of processing?.popLeft(processing.length) ?? []) {
        this.push(key, value, to);
        moved++;
      }
      this.store.tidy(prefixes.processing + owner);
      this.store.sets.delete(prefixes.receipts + owner);
      owners.delete(owner);
    }
    return Promise.resolve(moved);
  }

  private popNow(request: ListPopRequest): ListElement[] {
    const keys = request.command === 'lmpop' ? request.keys : request.keys.slice(0, 1);
    const key = keys.find((k) => (this.store.list(k)?.length ?? 0) > 0);
    if (key === undefined) return [];
    const list = this.store.list(key);
    if (!list) return [];
    const values = request.from === 'left' ? list.popLeft(request.count) : list.popRight(request.count);
    // one event per command: LMPOP and LPOP count pop in one, older servers pop one element per command
    const commands = request.command === 'pop-one' ? values.length : 1;
    for (let i = 0; i < commands; i++) this.store.notify(request.from === 'left' ? 'lpop' : 'rpop', key);
    this.store.tidy(key);
    return values.map((value) => ({ key, value }));
  }

  private moveNow(request: ListMoveRequest): ListElement[] {
    const moved: ListElement[] = [];
    for (const key of request.keys) {
      this.store.set(listOwnersKey(key)).add(request.owner);
      const list = this.store.list(key);
      while (list && moved.length < request.count && list.length > 0) {
        const [value = ''] = request.from === 'left' ? list.popLeft(1) : list.popRight(1);
        const processing = listProcessingKey(key, request.owner);
        this.store.list(processing, true)?.pushLeft([value]);
        this.store.notify('lpush', processing);
        this.store.notify(request.from === 'left' ? 'lpop' : 'rpop', key);
        moved.push({ key, value });
      }
      this.store.tidy(key);
      if (moved.length >= request.count) break;
    }
    return moved;
  }

  private push(key: string, value: string, to: ListEnd): void {
    const list = this.store.list(key, true);
    if (to === 'left') list?.pushLeft([value]);
    else list?.pushRight([value]);
    this.store.touched(key, to === 'left' ? 'lpush' : 'rpush');
  }

  /** LREM key 1 value, or (`fromTail`) LREM key -1 value. */
  private remove(key: string, value: string, fromTail = false): void {
    const list = this.store.list(key);
    if (!(fromTail ? list?.removeLast(value) : list?.removeFirst(value))) return;
    this.store.notify('lrem', key);
    this.store.tidy(key);
  }

  private async waitFor(
    keys: readonly string[],
    request: { blockMs?: number; signal?: AbortSignal },
  ): Promise<void> {
    const timeout = new AbortController();
    const stop = (): void => timeout.abort();
    request.signal?.addEventListener('abort', stop, { once: true });
    await Promise.race([
      this.store.waitForData(keys, timeout.signal),
      sleep(request.blockMs ?? 0, timeout.signal),
    ]);
    timeout.abort();
    request.signal?.removeEventListener('abort', stop);
  }
}
