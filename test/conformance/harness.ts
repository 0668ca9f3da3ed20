import type { GenericFunctionOptions } from '@azure/functions';
import { createClient } from 'redis';
import type { InvocationRecord } from '../../src/invoke/invoker';
import { createTestHost, type TestHost } from '../../src/testing';
import { buildHostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl } from '../support/redis-server';

/**
 * The same operations on the in-memory broker and on a real redis-server, so one suite of trigger
 * semantics runs against both. `settle(n)` waits until `n` invocations finished.
 */
export interface Harness {
  readonly invocations: readonly InvocationRecord[];
  publish(channel: string, message: string): Promise<number>;
  rpush(key: string, ...values: string[]): Promise<void>;
  lpush(key: string, ...values: string[]): Promise<void>;
  xadd(key: string, fields: Record<string, string>, id?: string): Promise<string>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  settle(count: number): Promise<InvocationRecord[]>;
  list(key: string): Promise<string[]>;
  /** A stream's entries' fields, oldest first. */
  entries(key: string): Promise<Record<string, string>[]>;
  /** Pending entry ids of the default group, all consumers together. */
  pending(key: string, group?: string): Promise<string[]>;
  close(): Promise<void>;
}

export type Functions = Record<string, GenericFunctionOptions>;
export type HarnessFactory = (
  functions: Functions,
  options?: { instances?: number; hostJson?: Record<string, unknown>; settings?: Record<string, string> },
) => Promise<Harness>;

/** The group of the stream function reading `key`: its consumerGroup, else its name (as in Azure). */
function defaultGroup(functions: Functions, key: string): string {
  for (const [name, o] of Object.entries(functions)) {
    const t = o.trigger as { type?: string; key?: string; keys?: string; consumerGroup?: string };
    const keys = `${t.keys ?? ''} ${t.key ?? ''}`.split(/\s+/);
    if (t.type === 'redisStreamTrigger' && keys.includes(key)) return t.consumerGroup ?? name;
  }
  throw new Error(`no stream function reads ${key}`);
}

export const memoryHarness: HarnessFactory = async (functions, options = {}) => {
  const host: TestHost = await createTestHost({
    functions: Object.entries(functions).map(([name, o]) => ({ name, options: o })),
    instances: options.instances,
    hostJson: options.hostJson,
    settings: options.settings,
  });
  return {
    get invocations() {
      return host.invocations;
    },
    publish: (c, m) => host.publish(c, m),
    rpush: async (k, ...v) => void (await host.rpush(k, ...v)),
    lpush: async (k, ...v) => void (await host.lpush(k, ...v)),
    xadd: (k, f, id) => host.xadd(k, f, id),
    set: (k, v) => host.set(k, v),
    del: async (k) => void (await host.del(k)),
    settle: async (count) => {
      // idle() covers what writes cause; reclaim of idle stream entries runs on the listeners' timers
      const started = Date.now();
      await host.idle();
      while (host.invocations.length < count && Date.now() - started < 5000) {
        await new Promise((r) => setTimeout(r, 10));
        await host.idle();
      }
      if (host.invocations.length < count)
        throw new Error(`only ${host.invocations.length} of ${count} invocations`);
      return [...host.invocations];
    },
    list: (k) => Promise.resolve(host.list(k)),
    entries: (k) =>
      Promise.resolve((host.broker.store.stream(k)?.entries ?? []).map((e) => ({ ...e.fields }))),
    pending: (k, g) => Promise.resolve(Object.values(host.pending(k, g)).flat().sort()),
    close: () => host.close(),
  };
};

export const redisHarness: HarnessFactory = async (functions, options = {}) => {
  const client = createClient({ url: redisUrl() });
  await client.connect();
  const hosts: HostUnderTest[] = Array.from({ length: options.instances ?? 1 }, () =>
    buildHostOnRedis(functions, { hostJson: options.hostJson, env: options.settings }),
  );
  for (const h of hosts) await h.host.start();
  const all = (): InvocationRecord[] => hosts.flatMap((h) => h.records);
  return {
    get invocations() {
      return all();
    },
    publish: (c, m) => client.publish(c, m),
    rpush: async (k, ...v) => void (await client.rPush(k, v)),
    lpush: async (k, ...v) => void (await client.lPush(k, v)),
    xadd: (k, f, id = '*') => client.xAdd(k, id, f),
    set: async (k, v) => void (await client.set(k, v)),
    del: async (k) => void (await client.del(k)),
    settle: async (count) => {
      await Promise.race(hosts.map((h) => h.until(() => (all().length >= count ? true : undefined))));
      return all();
    },
    list: (k) => client.lRange(k, 0, -1),
    entries: async (k) => ((await client.xRange(k, '-', '+')) ?? []).map((e) => ({ ...e.message })),
    pending: async (k, g = defaultGroup(functions, k)) => {
      const reply = await client.xPendingRange(k, g, '-', '+', 1000);
      return reply.map((p) => p.id).sort();
    },
    close: async () => {
      for (const h of hosts) await h.host.close();
      client.destroy();
    },
  };
};

/** Re-reads `read` until it equals `expected` (acks and deletes follow invocations asynchronously). */
export async function eventually<T>(read: () => Promise<T>, expected: T, withinMs = 3000): Promise<void> {
  const started = Date.now();
  let last: T = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() - started < withinMs) {
    await new Promise((r) => setTimeout(r, 20));
    last = await read();
  }
  if (JSON.stringify(last) !== JSON.stringify(expected)) {
    throw new Error(
      `expected ${JSON.stringify(expected)}, still ${JSON.stringify(last)} after ${withinMs}ms`,
    );
  }
}
