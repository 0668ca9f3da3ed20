import type { ScalePort } from '../triggers/ports';
import { listOwnersKey, listProcessingKey } from '../triggers/list-keys';
import type { RedisClient } from './client';
import type { RedisConnections } from './connections';

const ESTIMATE_LIMIT = 100_000;

/** Backlog readings for the scale metric, on the shared command connection. */
export class RedisScalePort implements ScalePort {
  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  async listBacklog(keys: readonly string[]): Promise<number> {
    const lengths = await Promise.all(
      keys.map((key) => this.connections.withKey(this.settingName, key, (client) => client.lLen(key))),
    );
    return lengths.reduce((sum, n) => sum + n, 0);
  }

  streamBacklog(key: string, group: string): Promise<number> {
    return this.connections.withKey(this.settingName, key, (client) => streamBacklogOn(client, key, group));
  }

  streamPending(key: string, group: string): Promise<number> {
    return this.connections.withKey(this.settingName, key, async (client) => {
      const groups = await client.xInfoGroups(key).catch((error: unknown) => {
        if (/no such key/i.test(String(error))) return [];
        throw error;
      });
      const info = groups.find((g) => String(g.name) === group);
      return info ? Number(info.pending) : 0;
    });
  }

  async listPending(keys: readonly string[]): Promise<number> {
    let pending = 0;
    for (const key of keys) {
      pending += await this.connections.withKey(this.settingName, key, async (client) => {
        const owners = await client.sMembers(listOwnersKey(key));
        const lengths = await Promise.all(owners.map((owner) => client.lLen(listProcessingKey(key, owner))));
        return lengths.reduce((sum, n) => sum + n, 0);
      });
    }
    return pending;
  }
}

async function streamBacklogOn(client: RedisClient, key: string, group: string): Promise<number> {
  let groups;
  try {
    groups = await client.xInfoGroups(key);
  } catch (error) {
    if (/no such key/i.test(String(error))) return 0;
    throw error;
  }
  const info = groups.find((g) => String(g.name) === group);
  if (!info) return client.xLen(key); // no group yet: every entry is waiting
  const lag = (info as { lag?: unknown }).lag;
  if (typeof lag === 'number') return lag;
  // Before Redis 7 (or when Redis cannot tell): count the entries after the last delivered id. (The extension
  // estimates that number from the entry ids' times; counting is exact, up to ESTIMATE_LIMIT.)
  const lastId = String(info['last-delivered-id']);
  const after = await client.xRange(key, `(${lastId}`, '+', { COUNT: ESTIMATE_LIMIT });
  return after?.length ?? 0;
}
