import { isKeyspaceChannel } from '../triggers/pubsub';
import type { MessageHandler, PubSubPort, Subscription } from '../triggers/ports';
import type { RedisClient } from './client';
import type { NodeAddress } from './cluster';
import type { PubSubListener, RedisConnections, Subscriber } from './connections';

type Unsubscribe = () => Promise<void>;

/**
 * Pub/Sub on node-redis: SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE on the setting's Pub/Sub connection (node-redis
 * replays them after a reconnect). On a cluster, plain Pub/Sub reaches every node, so one subscription
 * sees every PUBLISH; SSUBSCRIBE goes to the channel's shard; and keyspace notifications, which a node only
 * publishes for its own keys, are subscribed on every master with a connection of their own.
 */
export class RedisPubSubPort implements PubSubPort {
  private flags: Promise<string | undefined> | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  async subscribe(subscription: Subscription, onMessage: MessageHandler): Promise<Unsubscribe> {
    const listener: PubSubListener = (message, channel) => onMessage(String(message), String(channel));
    const masters = isKeyspaceChannel(subscription.channel)
      ? await this.connections.masters(this.settingName)
      : undefined;
    if (masters) return this.subscribeOnEach(masters, subscription, listener);
    return subscribeOn(await this.connections.subscriberClient(this.settingName), subscription, listener);
  }

  keyspaceEventFlags(): Promise<string | undefined> {
    this.flags ??= this.readFlags();
    return this.flags;
  }

  private async subscribeOnEach(
    masters: readonly NodeAddress[],
    subscription: Subscription,
    listener: PubSubListener,
  ): Promise<Unsubscribe> {
    const clients: RedisClient[] = [];
    try {
      for (const node of masters) {
        const role = `keyspace subscriber ${node.host}:${node.port}`;
        clients.push(await this.connections.dedicatedClient(this.settingName, role, { node }));
        await subscribeOn(clients[clients.length - 1] as RedisClient, subscription, listener);
      }
    } catch (error) {
      for (const client of clients) client.destroy();
      throw error;
    }
    // Each connection is the subscription's own: closing it is unsubscribing.
    return () => {
      for (const client of clients) if (client.isOpen) client.destroy();
      return Promise.resolve();
    };
  }

  /** The flags of the server, or on a cluster those of the master with the fewest (the one most likely off). */
  private async readFlags(): Promise<string | undefined> {
    const masters = await this.connections.masters(this.settingName);
    const read = async (client: RedisClient): Promise<string | undefined> =>
      (await client.configGet('notify-keyspace-events'))['notify-keyspace-events'];
    try {
      if (!masters) return await read(await this.connections.anyClient(this.settingName));
      const all = await Promise.all(
        masters.map(async (node) => {
          const client = await this.connections.dedicatedClient(this.settingName, 'config', { node });
          try {
            return (await read(client)) ?? '';
          } finally {
            client.destroy();
          }
        }),
      );
      return all.reduce((fewest, flags) => (flags.length < fewest.length ? flags : fewest));
    } catch {
      return undefined;
    }
  }
}

async function subscribeOn(
  client: Subscriber,
  subscription: Subscription,
  listener: PubSubListener,
): Promise<Unsubscribe> {
  const { channel } = subscription;
  if (subscription.sharded) {
    await client.sSubscribe(channel, listener);
    return async () => {
      if (client.isReady) await client.sUnsubscribe(channel, listener);
    };
  }
  if (subscription.pattern) {
    await client.pSubscribe(channel, listener);
    return async () => {
      if (client.isReady) await client.pUnsubscribe(channel, listener);
    };
  }
  await client.subscribe(channel, listener);
  return async () => {
    if (client.isReady) await client.unsubscribe(channel, listener);
  };
}
