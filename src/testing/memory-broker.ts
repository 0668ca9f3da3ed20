import type {
  Broker,
  BrokerPorts,
  CommandPort,
  MessageHandler,
  PubSubPort,
  ScalePort,
  Subscription,
} from '../triggers/ports';
import { globMatch } from './glob';
import { MemoryListPort } from './memory-lists';
import { compareIds, MemoryStore } from './memory-store';
import { MemoryStreamPort } from './memory-streams';

/** One subscription as the server holds it: per client, kind and channel, with every local listener of it. */
interface ServerSubscription {
  readonly subscription: Subscription;
  readonly handlers: Set<MessageHandler>;
}

/**
 * An in-memory Redis behind the same ports the listeners use on a real server: one store for every
 * connection setting (like one Redis), Pub/Sub with Redis glob patterns and keyspace/keyevent
 * notifications, lists, streams with consumer groups, and the commands bindings run.
 */
export class MemoryBroker implements Broker {
  readonly store = new MemoryStore();
  readonly streams = new MemoryStreamPort(this.store);
  private readonly lists = new MemoryListPort(this.store);
  /** Keyed by client, kind and channel: like Redis, a client subscribed twice to a channel holds it once. */
  private readonly subscriptions = new Map<string, ServerSubscription>();
  private readonly shared: Omit<BrokerPorts, 'pubsub'>;
  private readonly clients = new Map<string, BrokerPorts>();

  constructor() {
    this.store.onKeyEvent = (event, key) => {
      this.publish(`__keyspace@0__:${key}`, event);
      this.publish(`__keyevent@0__:${event}`, key);
    };
    this.shared = {
      lists: this.lists,
      streams: this.streams,
      commands: this.commandPort(),
      scale: this.scalePort(),
      changes: { watch: (keys) => this.store.watch(keys) },
    };
  }

  /** The ports of the first instance's connections (one Pub/Sub client per connection setting). */
  ports(connection: string): BrokerPorts {
    return this.clientPorts(`0/${connection}`);
  }

  /** The broker as one host instance sees it: Pub/Sub clients of its own, the data shared (one Redis). */
  instance(index: number): Broker {
    const prefix = `${index}/`;
    return {
      ports: (connection) => this.clientPorts(prefix + connection),
      describe: () => this.describe(),
      close: () => {
        for (const [id] of this.subscriptions) if (id.startsWith(prefix)) this.subscriptions.delete(id);
        return Promise.resolve();
      },
    };
  }

  describe(): Promise<Record<string, string>> {
    return Promise.resolve({ memory: 'in-memory broker' });
  }

  close(): Promise<void> {
    this.subscriptions.clear();
    return Promise.resolve();
  }

  /** PUBLISH: the number of subscriptions (per client, as Redis counts them) that received the message. */
  publish(channel: string, message: string): number {
    return this.deliver(channel, message, false);
  }

  /** SPUBLISH: only SSUBSCRIBE subscribers of exactly that channel receive it (and never PUBLISH's). */
  spublish(channel: string, message: string): number {
    return this.deliver(channel, message, true);
  }

  private deliver(channel: string, message: string, sharded: boolean): number {
    let receivers = 0;
    for (const { subscription, handlers } of [...this.subscriptions.values()]) {
      const { channel: target, pattern } = subscription;
      if ((subscription.sharded ?? false) !== sharded) continue;
      if (pattern ? globMatch(target, channel) : target === channel) {
        receivers++;
        for (const handler of [...handlers]) handler(message, channel);
      }
    }
    return receivers;
  }

  push(key: string, values: readonly string[], end: 'left' | 'right'): number {
    const list = this.store.list(key, true);
    if (end === 'left') list?.pushLeft(values);
    else list?.pushRight(values);
    this.store.touched(key, end === 'left' ? 'lpush' : 'rpush');
    return list?.length ?? 0;
  }

  xadd(key: string, fields: Readonly<Record<string, string>>, id = '*'): string {
    const entryId = this.store.entryId(this.store.stream(key)?.lastId ?? '0-0', id);
    const stream = this.store.stream(key, true);
    if (!stream) throw new Error(`xadd: ${key} is not a stream`);
    stream.entries.push({ id: entryId, fields: { ...fields } });
    stream.lastId = entryId;
    this.store.touched(key, 'xadd');
    return entryId;
  }

  set(key: string, value: string): void {
    this.store.setString(key, value);
    this.store.touched(key, 'set');
  }

  del(key: string): boolean {
    return this.store.deleteKey(key);
  }

  private clientPorts(client: string): BrokerPorts {
    let ports = this.clients.get(client);
    if (!ports) {
      ports = { ...this.shared, pubsub: this.pubSubPort(client) };
      this.clients.set(client, ports);
    }
    return ports;
  }

  private pubSubPort(client: string): PubSubPort {
    return {
      subscribe: (subscription, handler) => {
        const kind = subscription.sharded ? 'ss' : subscription.pattern ? 'p' : 's';
        const id = `${client}\0${kind}\0${subscription.channel}`;
        let held = this.subscriptions.get(id);
        if (!held) {
          held = { subscription, handlers: new Set() };
          this.subscriptions.set(id, held);
        }
        held.handlers.add(handler);
        const subscribed = held;
        return Promise.resolve(() => {
          subscribed.handlers.delete(handler);
          if (subscribed.handlers.size === 0 && this.subscriptions.get(id) === subscribed) {
            this.subscriptions.delete(id);
          }
          return Promise.resolve();
        });
      },
      keyspaceEventFlags: () => Promise.resolve('KEA'),
    };
  }

  private commandPort(): CommandPort {
    return { execute: (args) => Promise.resolve(this.execute(args)) };
  }

  /** The commands `redis` bindings use most; others are refused by name. */
  private execute(args: readonly string[]): unknown {
    const [name = '', ...rest] = args;
    const [a = '', b = ''] = rest;
    switch (name.toUpperCase()) {
      case 'GET':
        return this.store.getString(a) ?? null;
      case 'SET':
        this.set(a, b);
        return 'OK';
      case 'DEL':
        return rest.filter((k) => this.del(k)).length;
      case 'PUBLISH':
        return this.publish(a, b);
      case 'SPUBLISH':
        return this.spublish(a, b);
      case 'LPUSH':
        return this.push(a, rest.slice(1), 'left');
      case 'RPUSH':
        return this.push(a, rest.slice(1), 'right');
      case 'XADD':
        return this.xadd(a, pairs(rest.slice(2)), b);
      case 'XDEL':
        return this.streams.deleteEntries(a, rest.slice(1));
      case 'LLEN':
        return this.store.list(a)?.length ?? 0;
      default:
        throw new Error(
          `The in-memory broker does not run ${name.toUpperCase()}; test this binding against Redis.`,
        );
    }
  }

  private scalePort(): ScalePort {
    return {
      listBacklog: (keys) => Promise.resolve(keys.reduce((n, k) => n + (this.store.list(k)?.length ?? 0), 0)),
      streamBacklog: (key, group) => {
        const stream = this.store.stream(key);
        const g = stream?.groups.get(group);
        if (!stream) return Promise.resolve(0);
        if (!g) return Promise.resolve(stream.entries.length);
        return Promise.resolve(stream.entries.filter((e) => compareIds(e.id, g.lastDelivered) > 0).length);
      },
      streamPending: (key, group) =>
        Promise.resolve(this.store.stream(key)?.groups.get(group)?.pending.size ?? 0),
    };
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] ?? ''] = flat[i + 1] ?? '';
  return out;
}
