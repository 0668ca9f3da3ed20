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
        sendOff: (mode) => sendOff(mode === 'polling' && this.connections.isKnownStandalone(connection)),
      };
      this.cache.set(connection, ports);
    }
    return ports;
  }

  describe(): Promise<Record<string, string>> {
    return this.connections.describe();
  }

  reconnecting(): Promise<readonly string[]> {
    return this.connections.reconnecting();
  }

  close(): Promise<void> {
    return this.connections.close();
  }
}

/**
 * Lets a command just started reach the socket. node-redis writes from a setImmediate queued when a command
 * is queued, and a batch of quick handlers runs in microtasks alone: without this, a fetch sent ahead would
 * only be written once the batch is done. When the command was queued before the fetch returned (a polling
 * read on a standalone server: see RedisConnections.isKnownStandalone), node-redis's setImmediate runs
 * before ours: one turn. Otherwise it is queued after ours, from a microtask: a second turn waits for it.
 */
function sendOff(queuedAtOnce: boolean): Promise<void> {
  return new Promise((resolve) =>
    queuedAtOnce ? setImmediate(resolve) : setImmediate(() => setImmediate(resolve)),
  );
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
