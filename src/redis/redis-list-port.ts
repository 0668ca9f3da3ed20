import { groupByKey } from '../triggers/group-by-key';
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
import { BlockingReaders } from './blocking-readers';
import { AUDIT_SCRIPT, MOVE_SCRIPT, RECOVER_SCRIPT, REMOVE_SCRIPT } from './redis-list-scripts';
import type { RedisClient } from './client';
import type { RedisConnections } from './connections';

const side = (end: ListEnd): 'LEFT' | 'RIGHT' => (end === 'left' ? 'LEFT' : 'RIGHT');
const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * List operations on node-redis. Non-blocking commands share the command connection (node-redis pipelines
 * concurrent commands); blocking ones run on a connection per reader (see BlockingReaders).
 */
export class RedisListPort implements ListPort {
  private version: Promise<string> | undefined;
  private readonly readers: BlockingReaders;

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {
    this.readers = new BlockingReaders(connections, settingName, 'list reader');
  }

  serverVersion(): Promise<string> {
    this.version ??= this.readVersion().catch((error: unknown) => {
      this.version = undefined;
      throw error;
    });
    return this.version;
  }

  async pop(request: ListPopRequest): Promise<ListElement[]> {
    if (request.blockMs !== undefined && request.blockMs > 0) return this.blockingPop(request);
    const key = request.keys[0] ?? '';
    const pop = request.from === 'left' ? 'LPOP' : 'RPOP';
    switch (request.command) {
      case 'lmpop': {
        const groups = this.connections.slotGroups(this.settingName, request.keys);
        return this.multiPop(Array.isArray(groups) ? groups : await groups, request);
      }
      case 'pop-count':
        return values(key, await this.onKey(key, (c) => c.sendCommand([pop, key, String(request.count)])));
      case 'pop-one': {
        const replies = await this.onKey(key, (client) =>
          Promise.all(Array.from({ length: request.count }, () => client.sendCommand([pop, key]))),
        );
        return replies.flatMap((reply) => values(key, reply));
      }
    }
  }

  /** One LMPOP per hash slot (one in all unless on a cluster), in key order, until one pops something. */
  private async multiPop(groups: readonly string[][], request: ListPopRequest): Promise<ListElement[]> {
    for (const keys of groups) {
      const args = [
        'LMPOP',
        String(keys.length),
        ...keys,
        side(request.from),
        'COUNT',
        String(request.count),
      ];
      const popped = multiPopReply(await this.onKey(keys[0] ?? '', (client) => client.sendCommand(args)));
      if (popped.length > 0) return popped;
    }
    return [];
  }

  /**
   * BLMPOP (BLPOP / BRPOP before 7.0) on the reader's own connection. On a cluster, keys of several slots
   * block on a reader per slot at once ({@link BlockingReaders.runAcross}): nothing popped is dropped.
   */
  private async blockingPop(request: ListPopRequest): Promise<ListElement[]> {
    const groups: string[][] =
      request.command === 'lmpop'
        ? await this.connections.slotGroups(this.settingName, request.keys)
        : [request.keys.slice(0, 1)];
    const parse = request.command === 'lmpop' ? multiPopReply : keyValueReply;
    const [only] = groups;
    if (groups.length === 1 && only) {
      const reply = await this.readers.run(
        request.reader,
        only[0] ?? '',
        request.signal,
        (client) => client.sendCommand(blockingPopArgs(request, only)),
        request.functionName,
      );
      return parse(reply);
    }
    return this.readers.runAcross(
      request.reader,
      groups,
      request.signal,
      async (client, keys) => parse(await client.sendCommand(blockingPopArgs(request, keys))),
      request.functionName,
    );
  }

  async moveToProcessing(request: ListMoveRequest): Promise<ListElement[]> {
    const moved: ListElement[] = [];
    for (const key of request.keys) {
      if (moved.length >= request.count) break;
      moved.push(...(await this.moveFrom(key, request, request.count - moved.length)));
    }
    if (moved.length > 0 || !request.blockMs || request.blockMs <= 0) return moved;
    const key = request.keys[0] ?? '';
    const processing = listProcessingKey(key, request.owner);
    await this.onKey(key, (client) => client.sAdd(listOwnersKey(key), request.owner));
    const reply = await this.readers.run(
      request.owner,
      key,
      request.signal,
      (client) =>
        client.sendCommand([
          'BLMOVE',
          key,
          processing,
          side(request.from),
          'LEFT',
          seconds(request.blockMs ?? 0),
        ]),
      request.functionName,
    );
    return values(key, reply);
  }

  async removeProcessed(
    owner: string,
    elements: readonly ListElement[],
    receipt?: ListReceipt,
  ): Promise<void> {
    await Promise.all(
      [...groupByKey(elements, (e) => e.value)].map(([key, values]) => {
        const processing = listProcessingKey(key, owner);
        const keys = [processing, listReceiptsKey(key, owner)];
        const forget = receipt?.forget.get(key) ?? [];
        const args = [receipt?.id ?? '', String(forget.length), ...forget, ...values];
        return this.onKey(processing, (client) => client.eval(REMOVE_SCRIPT, { keys, arguments: args }));
      }),
    );
  }

  async audit(request: ListAuditRequest): Promise<number> {
    const { key, owner } = request;
    const keys = [listProcessingKey(key, owner), key, listReceiptsKey(key, owner)];
    const args = [side(request.to), String(request.held.length), ...request.held];
    for (const removal of request.removals)
      args.push(removal.id, String(removal.values.length), ...removal.values);
    const reply = await this.onKey(key, (client) => client.eval(AUDIT_SCRIPT, { keys, arguments: args }));
    return Number(reply);
  }

  /** The key and its processing list share a hash slot (see list-keys.ts): one MULTI, also on a cluster. */
  async requeue(owner: string, element: ListElement, to: ListEnd): Promise<void> {
    await this.onKey(element.key, async (client) => {
      const multi = client.multi();
      multi.lRem(listProcessingKey(element.key, owner), -1, element.value);
      if (to === 'left') multi.lPush(element.key, element.value);
      else multi.rPush(element.key, element.value);
      await multi.exec();
    });
  }

  /** A MULTI per key (the keys of different lists may live on different cluster nodes), all at once. */
  async heartbeat(owner: string, keys: readonly string[], ttlMs: number): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        this.onKey(key, async (client) => {
          const multi = client.multi();
          multi.sAdd(listOwnersKey(key), owner);
          multi.set(listAliveKey(key, owner), '1', { expiration: { type: 'PX', value: ttlMs } });
          await multi.exec();
        }),
      ),
    );
  }

  async stopHeartbeat(owner: string, keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => {
        const alive = listAliveKey(key, owner);
        return this.onKey(alive, (client) => client.del(alive));
      }),
    );
  }

  async recover(key: string, to: ListEnd, self?: string): Promise<number> {
    const prefixes = listKeyPrefixes(key);
    const reply = await this.onKey(key, (client) =>
      client.eval(RECOVER_SCRIPT, {
        keys: [listOwnersKey(key), key],
        arguments: [prefixes.alive, prefixes.processing, side(to), prefixes.receipts, self ?? ''],
      }),
    );
    return Number(reply);
  }

  /** Up to `count` LMOVEs from one key, in one MULTI with registering the owner on that key. */
  private async moveFrom(key: string, request: ListMoveRequest, count: number): Promise<ListElement[]> {
    const keys = [key, listProcessingKey(key, request.owner), listOwnersKey(key)];
    const reply = await this.onKey(key, (client) =>
      client.eval(MOVE_SCRIPT, { keys, arguments: [String(count), side(request.from), request.owner] }),
    );
    return values(key, reply);
  }

  /** Runs `call` on the connection that serves `key` (its node on a cluster). */
  private onKey<T>(key: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.connections.withKey(this.settingName, key, call);
  }

  private async readVersion(): Promise<string> {
    const info = await (await this.connections.anyClient(this.settingName)).info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '0.0.0';
  }
}

function blockingPopArgs(request: ListPopRequest, keys: readonly string[]): string[] {
  const timeout = seconds(request.blockMs ?? 0);
  if (request.command === 'lmpop') {
    const count = String(request.count);
    return ['BLMPOP', timeout, String(keys.length), ...keys, side(request.from), 'COUNT', count];
  }
  return [request.from === 'left' ? 'BLPOP' : 'BRPOP', keys[0] ?? '', timeout];
}

/** LPOP/LMOVE replies: null, one string, or an array of strings (LPOP with a count). */
function values(key: string, reply: unknown): ListElement[] {
  if (reply === null || reply === undefined) return [];
  const list = Array.isArray(reply) ? (reply as unknown[]) : [reply];
  return list.map((value) => ({ key, value: String(value) }));
}

/** LMPOP / BLMPOP: null or `[key, [elements]]`. */
function multiPopReply(reply: unknown): ListElement[] {
  if (!Array.isArray(reply)) return [];
  const [key, elements] = reply as [unknown, unknown];
  return values(String(key), elements);
}

/** BLPOP / BRPOP: null or `[key, element]`. */
function keyValueReply(reply: unknown): ListElement[] {
  if (!Array.isArray(reply)) return [];
  const [key, value] = reply as [unknown, unknown];
  return [{ key: String(key), value: String(value) }];
}
