import type { Broker, BrokerPorts, CommandPort } from '../triggers/ports';
import type { RedisConnections } from './connections';
import { RedisPubSubPort } from './redis-pubsub-port';
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
        sendOff,
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

/**
 * Lets a command just started reach the socket. node-redis writes from a setImmediate queued once the
 * command passed its own awaits, and a batch of quick handlers runs in microtasks alone: without this, a
 * fetch sent ahead would only be written once the batch is done. Two turns: ours is queued before
 * node-redis's, the second after it.
 */
function sendOff(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Runs binding commands on the shared command connection. */
class RedisCommandPort implements CommandPort {
  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
  ) {}

  /** On a cluster the command goes to the node of its first argument after the name (the key of most commands). */
  execute(args: readonly string[]): Promise<unknown> {
    return this.connections.sendCommand(this.settingName, args, args[1]);
  }
}
