import type {
  Broker,
  BrokerPorts,
  CommandPort,
  MessageHandler,
  PubSubPort,
  Subscription,
} from '../triggers/ports';
import type { RedisConnections } from './connections';
import { RedisListPort } from './redis-list-port';
import { RedisScalePort } from './redis-scale-port';
import { RedisStreamPort } from './redis-stream-port';

/** The ports of the listeners, backed by real Redis connections. */
export class RedisBroker implements Broker {
  private readonly cache = new Map<string, BrokerPorts>();

  constructor(readonly connections: RedisConnections) {}

  ports(connection: string): BrokerPorts {
    let ports = this.cache.get(connection);
    if (!ports) {
      ports = {
        pubsub: new RedisPubSubPort(this.connections, connection),
        commands: new RedisCommandPort(this.connections, connection),
        streams: new RedisStreamPort(this.connections, connection),
        lists: new RedisListPort(this.connections, connection),
        scale: new RedisScalePort(this.connections, connection),
      };
      this.cache.set(connection, ports);
    }
    return ports;
  }

  describe(): Promise<Record<string, string>> {
    return this.connections.describe();
  }

  close(): Promise<void> {
    return this.connections.close();
  }
}

class RedisPubSubPort implements PubSubPort {
  private flags: Promise<string | undefined> | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  async subscribe(subscription: Subscription, onMessage: MessageHandler): Promise<() => Promise<void>> {
    const client = await this.connections.subscriberClient(this.settingName);
    const listener = (message: string, channel: string): void => onMessage(message, channel);
    if (subscription.pattern) await client.pSubscribe(subscription.channel, listener);
    else await client.subscribe(subscription.channel, listener);
    return async () => {
      if (!client.isReady) return;
      if (subscription.pattern) await client.pUnsubscribe(subscription.channel, listener);
      else await client.unsubscribe(subscription.channel, listener);
    };
  }

  keyspaceEventFlags(): Promise<string | undefined> {
    this.flags ??= this.readFlags();
    return this.flags;
  }

  private async readFlags(): Promise<string | undefined> {
    const client = await this.connections.commandClient(this.settingName);
    try {
      const reply = await client.configGet('notify-keyspace-events');
      return reply['notify-keyspace-events'];
    } catch {
      return undefined;
    }
  }
}

/** Runs binding commands on the shared command connection. */
class RedisCommandPort implements CommandPort {
  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  async execute(args: readonly string[]): Promise<unknown> {
    const client = await this.connections.commandClient(this.settingName);
    return client.sendCommand([...args]);
  }
}
