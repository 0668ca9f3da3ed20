import { isKeyspaceChannel } from '../triggers/pubsub';
import type { MessageHandler, PubSubPort, Subscription } from '../triggers/ports';
import type { RedisClient } from './client';
import { nodeId, type NodeAddress } from './cluster';
import type { PubSubListener, RedisConnections, Subscriber } from './connections';
import { ChannelText, MessageText } from './pubsub-text';

type Unsubscribe = () => Promise<void>;

/** How often a keyspace subscription on a cluster reads the slot map to follow failovers and resharding. */
const TOPOLOGY_CHECK_MS = 2000;

/**
 * Pub/Sub on node-redis: SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE on the setting's Pub/Sub connection (node-redis
 * replays them after a reconnect). On a cluster, plain Pub/Sub reaches every node, so one subscription
 * sees every PUBLISH; SSUBSCRIBE goes to the channel's shard; and keyspace notifications, which a node only
 * publishes for its own keys, are subscribed on every master with a connection of their own, following
 * the masters as they change.
 */
export class RedisPubSubPort implements PubSubPort {
  private flags: Promise<string | undefined> | undefined;
  /** Every subscription's messages are made text here: those of one channel once for all its functions. */
  private readonly messages = new MessageText();

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  async subscribe(subscription: Subscription, onMessage: MessageHandler): Promise<Unsubscribe> {
    const exact = subscription.pattern ? undefined : subscription.channel;
    const channels = new ChannelText(exact);
    const messages = this.messages;
    const listener: PubSubListener = (message, channel) =>
      onMessage(messages.of(message), channels.of(channel));
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

  /**
   * A connection per master, each subscribed. Every few seconds the slot map is read again and the
   * subscription follows it: a master that appeared (failover, resharding) is subscribed, and one that is
   * a master no more (a replica does not publish notifications of the writes it replicates) is dropped.
   */
  private async subscribeOnEach(
    masters: readonly NodeAddress[],
    subscription: Subscription,
    listener: PubSubListener,
  ): Promise<Unsubscribe> {
    const clients = new Map<string, RedisClient>();
    let closed = false;
    const sync = async (wanted: readonly NodeAddress[]): Promise<string[]> => {
      const ids = new Set(wanted.map(nodeId));
      const changes: string[] = [];
      for (const [id, client] of clients) {
        if (ids.has(id)) continue;
        clients.delete(id);
        if (client.isOpen) client.destroy();
        changes.push(`dropped ${id}`);
      }
      for (const node of wanted) {
        const id = nodeId(node);
        if (clients.has(id)) continue;
        const role = `keyspace subscriber ${id}`;
        const client = await this.connections.dedicatedClient(this.settingName, role, { node });
        try {
          await subscribeOn(client, subscription, listener);
        } catch (error) {
          client.destroy();
          throw error;
        }
        if (closed) {
          client.destroy(); // unsubscribed while this connection was being made
          break;
        }
        clients.set(id, client);
        changes.push(`added ${id}`);
      }
      return changes;
    };
    const closeAll = (): void => {
      for (const client of clients.values()) if (client.isOpen) client.destroy();
      clients.clear();
    };
    try {
      await sync(masters);
    } catch (error) {
      closeAll();
      throw error;
    }
    let following = false;
    const follow = async (): Promise<void> => {
      if (following) return;
      following = true;
      try {
        await this.connections.refreshSlots(this.settingName);
        const now = await this.connections.masters(this.settingName);
        const changes = now && now.length > 0 ? await sync(now) : [];
        if (changes.length > 0) {
          this.connections.logger.info(
            { channel: subscription.channel, masters: [...clients.keys()] },
            `Keyspace subscription '${subscription.channel}' follows the cluster: ${changes.join(', ')}`,
          );
        }
      } catch {
        // The cluster is changing or unreachable: the next look tries again.
      } finally {
        following = false;
      }
    };
    const timer = setInterval(() => void follow(), TOPOLOGY_CHECK_MS);
    timer.unref();
    // Each connection is the subscription's own: closing it is unsubscribing.
    return () => {
      closed = true;
      clearInterval(timer);
      closeAll();
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
    await client.sSubscribe(channel, listener, true);
    return async () => {
      if (client.isReady) await client.sUnsubscribe(channel, listener, true);
    };
  }
  if (subscription.pattern) {
    await client.pSubscribe(channel, listener, true);
    return async () => {
      if (client.isReady) await client.pUnsubscribe(channel, listener, true);
    };
  }
  await client.subscribe(channel, listener, true);
  return async () => {
    if (client.isReady) await client.unsubscribe(channel, listener, true);
  };
}
