import type {
  ClaimIdleRequest,
  ClaimIdleResult,
  ReadGroupRequest,
  StreamEntry,
  StreamPort,
} from '../triggers/ports';
import type { RedisClient } from './client';
import type { RedisConnections } from './connections';

/** How idle entries are claimed: by server version, or forced (tests of the pre-6.2 path). */
export type ClaimStrategy = 'auto' | 'xautoclaim' | 'xclaim';

export interface RedisStreamPortOptions {
  readonly claimStrategy?: ClaimStrategy;
}

interface RawMessage {
  readonly id: string;
  readonly message: Record<string, string>;
}

/**
 * Stream consumer-group operations on node-redis. Reads without BLOCK share the command connection;
 * blocking reads get a connection per consumer, destroyed when the read's AbortSignal aborts (that is
 * what releases a blocked XREADGROUP: node-redis cannot cancel a command once it is written).
 */
export class RedisStreamPort implements StreamPort {
  private version: Promise<string> | undefined;
  private readonly blocking = new Map<string, Promise<RedisClient>>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
    private readonly options: RedisStreamPortOptions = {},
  ) {}

  serverVersion(): Promise<string> {
    this.version ??= this.readVersion().catch((error: unknown) => {
      this.version = undefined;
      throw error;
    });
    return this.version;
  }

  async createGroup(key: string, group: string, startId: string): Promise<boolean> {
    const client = await this.client();
    try {
      await client.xGroupCreate(key, group, startId, { MKSTREAM: true });
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return false;
      throw error;
    }
  }

  async readGroup(request: ReadGroupRequest): Promise<StreamEntry[]> {
    const { keys, group, consumer, count, blockMs, signal } = request;
    if (signal?.aborted) return [];
    const blocking = blockMs !== undefined && blockMs > 0;
    const client = blocking ? await this.blockingClient(consumer, signal) : await this.client();
    const streams = keys.map((key) => ({ key, id: '>' }));
    const reply = await client.xReadGroup(group, consumer, streams, {
      COUNT: count,
      ...(blocking ? { BLOCK: blockMs } : {}),
    });
    if (!reply) return [];
    const entries: StreamEntry[] = [];
    for (const stream of reply as { name: string; messages: RawMessage[] }[]) {
      for (const m of stream.messages) entries.push({ key: stream.name, id: m.id, fields: m.message });
    }
    return entries;
  }

  async ack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.client()).xAck(key, group, [...ids]);
  }

  async deleteEntries(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.client()).xDel(key, [...ids]);
  }

  async claimIdle(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    return (await this.useXAutoClaim()) ? this.autoClaim(request) : this.pendingThenClaim(request);
  }

  async pendingCount(key: string, group: string, consumer: string): Promise<number> {
    const summary = await (await this.client()).xPending(key, group);
    return summary.consumers?.find((c) => c.name === consumer)?.deliveriesCounter ?? 0;
  }

  async deleteConsumer(key: string, group: string, consumer: string): Promise<number> {
    return (await this.client()).xGroupDelConsumer(key, group, consumer);
  }

  private client(): Promise<RedisClient> {
    return this.connections.commandClient(this.settingName);
  }

  private async readVersion(): Promise<string> {
    const info = await (await this.client()).info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '0.0.0';
  }

  private blockingClient(consumer: string, signal: AbortSignal | undefined): Promise<RedisClient> {
    let pending = this.blocking.get(consumer);
    if (pending) return pending;
    pending = this.connections.dedicatedClient(this.settingName, `stream reader ${consumer}`);
    this.blocking.set(consumer, pending);
    const release = (): void => {
      this.blocking.delete(consumer);
      pending
        ?.then((client) => {
          if (client.isOpen) client.destroy();
        })
        .catch(() => undefined);
    };
    pending.catch(() => this.blocking.delete(consumer));
    signal?.addEventListener('abort', release, { once: true });
    return pending;
  }

  private async useXAutoClaim(): Promise<boolean> {
    const strategy = this.options.claimStrategy ?? 'auto';
    if (strategy !== 'auto') return strategy === 'xautoclaim';
    return versionAtLeast(await this.serverVersion(), 6, 2);
  }

  private async autoClaim(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    const { key, group, consumer, minIdleMs, count, cursor } = request;
    const reply = await (
      await this.client()
    ).xAutoClaim(key, group, consumer, minIdleMs, cursor, { COUNT: count });
    const entries: StreamEntry[] = [];
    for (const m of reply.messages as (RawMessage | null)[]) {
      if (m) entries.push({ key, id: m.id, fields: m.message });
    }
    return { entries, cursor: String(reply.nextId) };
  }

  /** Before Redis 6.2: XPENDING (no IDLE filter, no exclusive ranges) then XCLAIM of the idle ones. */
  private async pendingThenClaim(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    const { key, group, consumer, minIdleMs, count, cursor } = request;
    const client = await this.client();
    const start = cursor === '0-0' ? '-' : cursor;
    const pending = await client.xPendingRange(key, group, start, '+', count);
    const idle = pending.filter((p) => p.millisecondsSinceLastDelivery >= minIdleMs).map((p) => p.id);
    const last = pending[pending.length - 1];
    const next = pending.length < count || !last ? '0-0' : nextId(last.id);
    if (idle.length === 0) return { entries: [], cursor: next };
    const claimed = (await client.xClaim(key, group, consumer, minIdleMs, idle)) as (RawMessage | null)[];
    const entries: StreamEntry[] = [];
    for (const m of claimed) if (m) entries.push({ key, id: m.id, fields: m.message });
    return { entries, cursor: next };
  }
}

/** The smallest stream id after `id` (`ms-seq` -> `ms-(seq+1)`). */
export function nextId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${(BigInt(seq) + 1n).toString()}`;
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return a > major || (a === major && b >= minor);
}
