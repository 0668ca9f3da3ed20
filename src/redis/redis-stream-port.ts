import type {
  RetryMark,
  ClaimIdleRequest,
  ClaimIdleResult,
  ReadGroupRequest,
  StreamEntry,
  StreamPort,
} from '../triggers/ports';
import { BlockingReaders } from './blocking-readers';
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
 * blocking reads get a connection per consumer (see BlockingReaders: CLIENT UNBLOCK releases a blocked
 * XREADGROUP, which then delivers nothing). On a cluster every command goes to the node of its key, and
 * keys of several slots are read with an XREADGROUP per slot.
 */
export class RedisStreamPort implements StreamPort {
  private version: Promise<string> | undefined;
  private readonly readers: BlockingReaders;

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
    private readonly options: RedisStreamPortOptions = {},
  ) {
    this.readers = new BlockingReaders(connections, settingName, 'stream reader');
  }

  serverVersion(): Promise<string> {
    this.version ??= this.readVersion().catch((error: unknown) => {
      this.version = undefined;
      throw error;
    });
    return this.version;
  }

  async createGroup(key: string, group: string, startId: string): Promise<boolean> {
    try {
      await this.onKey(key, (client) => client.xGroupCreate(key, group, startId, { MKSTREAM: true }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return false;
      throw error;
    }
  }

  async readGroup(request: ReadGroupRequest): Promise<StreamEntry[]> {
    if (request.signal?.aborted) return [];
    const known = this.connections.slotGroups(this.settingName, request.keys);
    const groups = Array.isArray(known) ? known : await known; // at once when standalone
    const blocking = request.blockMs !== undefined && request.blockMs > 0 && !request.pendingAfter;
    if (!blocking) {
      const replies = await Promise.all(
        groups.map((keys) => this.onKey(keys[0] ?? '', (client) => readOn(client, request, keys))),
      );
      return replies.flat();
    }
    const [only] = groups;
    if (groups.length === 1 && only) {
      const entries = await this.readers.run(
        request.consumer,
        only[0] ?? '',
        request.signal,
        (client) => readOn(client, request, only),
        request.functionName,
      );
      return entries ?? [];
    }
    // Several slots: a blocked read each, none of whose entries is dropped (BlockingReaders.runAcross).
    return this.readers.runAcross(
      request.consumer,
      groups,
      request.signal,
      (client, keys) => readOn(client, request, keys),
      request.functionName,
    );
  }

  async ack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.onKey(key, (client) => client.xAck(key, group, [...ids]));
  }

  async deleteEntries(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.onKey(key, (client) => client.xDel(key, [...ids]));
  }

  async claimIdle(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    return (await this.useXAutoClaim()) ? this.autoClaim(request) : this.pendingThenClaim(request);
  }

  async markRetry(mark: RetryMark, idleMs: number): Promise<boolean> {
    const idle = String(Math.max(0, Math.round(idleMs)));
    return this.retryScript(MARK_SCRIPT, mark, [String(mark.attempts), idle]);
  }

  async resumeRetry(mark: RetryMark, attempt: number): Promise<boolean> {
    return this.retryScript(RESUME_SCRIPT, mark, [String(mark.attempts), String(attempt)]);
  }

  private async retryScript(script: string, mark: RetryMark, extra: string[]): Promise<boolean> {
    const { key, group, consumer, id } = mark;
    const reply = await this.onKey(key, (client) =>
      client.eval(script, { keys: [key], arguments: [group, consumer, id, ...extra] }),
    );
    return Number(reply) === 1;
  }

  async pendingCount(key: string, group: string, consumer: string): Promise<number> {
    const summary = await this.onKey(key, (client) => client.xPending(key, group));
    return summary.consumers?.find((c) => c.name === consumer)?.deliveriesCounter ?? 0;
  }

  async deleteConsumer(key: string, group: string, consumer: string): Promise<number> {
    return this.onKey(key, (client) => client.xGroupDelConsumer(key, group, consumer));
  }

  /** Runs `call` on the connection that serves `key` (its node on a cluster). */
  private onKey<T>(key: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.connections.withKey(this.settingName, key, call);
  }

  private async readVersion(): Promise<string> {
    const info = await (await this.connections.anyClient(this.settingName)).info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '0.0.0';
  }

  private async useXAutoClaim(): Promise<boolean> {
    const strategy = this.options.claimStrategy ?? 'auto';
    if (strategy !== 'auto') return strategy === 'xautoclaim';
    return versionAtLeast(await this.serverVersion(), 6, 2);
  }

  private async autoClaim(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    const { key, group, consumer, minIdleMs, count, cursor } = request;
    const reply = await this.onKey(key, (client) =>
      client.xAutoClaim(key, group, consumer, minIdleMs, cursor, { COUNT: count }),
    );
    const claimed = (reply.messages as (RawMessage | null)[]).filter((m): m is RawMessage => m !== null);
    // XAUTOCLAIM does not say how often an entry was delivered: one XPENDING per entry (pipelined).
    const deliveries = await this.onKey(key, (client) =>
      Promise.all(claimed.map((m) => client.xPendingRange(key, group, m.id, m.id, 1))),
    );
    const entries = claimed.map((m, i) => ({
      key,
      id: m.id,
      fields: m.message,
      deliveries: deliveries[i]?.[0]?.deliveriesCounter ?? 1,
    }));
    return { entries, cursor: String(reply.nextId) };
  }

  /** Before Redis 6.2: XPENDING (no IDLE filter, no exclusive ranges) then XCLAIM of the idle ones. */
  private async pendingThenClaim(request: ClaimIdleRequest): Promise<ClaimIdleResult> {
    const { key, group, consumer, minIdleMs, count, cursor } = request;
    const start = cursor === '0-0' ? '-' : cursor;
    const pending = await this.onKey(key, (client) => client.xPendingRange(key, group, start, '+', count));
    const idle = pending.filter((p) => p.millisecondsSinceLastDelivery >= minIdleMs).map((p) => p.id);
    const last = pending[pending.length - 1];
    const next = pending.length < count || !last ? '0-0' : nextId(last.id);
    if (idle.length === 0) return { entries: [], cursor: next };
    const claimed = (await this.onKey(key, (client) =>
      client.xClaim(key, group, consumer, minIdleMs, idle),
    )) as (RawMessage | null)[];
    // XCLAIM counted one more delivery than XPENDING said.
    const counts = new Map(pending.map((p) => [p.id, p.deliveriesCounter + 1]));
    const entries: StreamEntry[] = [];
    for (const m of claimed)
      if (m) entries.push({ key, id: m.id, fields: m.message, deliveries: counts.get(m.id) ?? 1 });
    return { entries, cursor: next };
  }
}

/**
 * markRetry: while entry ARGV[3] of group ARGV[1] is pending on consumer ARGV[2], sets its delivery count to
 * ARGV[4] and its idle time to ARGV[5] ms. Returns 1 when it did.
 */
const MARK_SCRIPT = `
local e = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not e or e[2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[5], 'RETRYCOUNT', ARGV[4], 'JUSTID')
return 1
`;

/**
 * resumeRetry: while entry ARGV[3] is pending on consumer ARGV[2] with delivery count ARGV[4], sets the count
 * to ARGV[5] and the idle time to 0. Returns 1 when it did.
 */
const RESUME_SCRIPT = `
local e = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not e or e[2] ~= ARGV[2] or tonumber(e[4]) ~= tonumber(ARGV[4]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', 0, 'RETRYCOUNT', ARGV[5], 'JUSTID')
return 1
`;

/** One XREADGROUP of `keys` (all of one slot on a cluster): new entries, each with its stream's key. */
async function readOn(
  client: RedisClient,
  request: ReadGroupRequest,
  keys: readonly string[],
): Promise<StreamEntry[]> {
  const { group, consumer, count, blockMs, pendingAfter } = request;
  const blocking = blockMs !== undefined && blockMs > 0 && !pendingAfter;
  const streams = keys.map((key) => ({ key, id: pendingAfter ?? '>' }));
  const reply = await client.xReadGroup(group, consumer, streams, {
    COUNT: count,
    ...(blocking ? { BLOCK: blockMs } : {}),
  });
  if (!reply) return [];
  const entries: StreamEntry[] = [];
  for (const stream of reply as { name: string; messages: (RawMessage | null)[] }[]) {
    for (const m of stream.messages) {
      // A pending entry deleted meanwhile comes back without fields: nothing to run (a claim drops it).
      if (m?.message) entries.push({ key: stream.name, id: m.id, fields: m.message });
    }
  }
  return entries;
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
