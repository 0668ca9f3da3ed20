/**
 * The small operations listeners need from Redis. One adapter talks to a real server (src/redis),
 * one keeps everything in memory (src/testing); listeners and the invoker are the same code for both.
 */

export interface Subscription {
  readonly channel: string;
  /** true: PSUBSCRIBE (glob pattern); false: SUBSCRIBE (exact channel). */
  readonly pattern: boolean;
}

export type MessageHandler = (message: string, channel: string) => void;

export interface PubSubPort {
  /** Subscribes; resolves once the server confirmed; the returned function unsubscribes. */
  subscribe(subscription: Subscription, onMessage: MessageHandler): Promise<() => Promise<void>>;
  /** The server's `notify-keyspace-events` flags, or undefined when they cannot be read (CONFIG disabled). */
  keyspaceEventFlags(): Promise<string | undefined>;
}

/** Runs one Redis command (input and output bindings). */
export interface CommandPort {
  execute(args: readonly string[]): Promise<unknown>;
}

/** Everything a listener may use on one connection. */
export interface BrokerPorts {
  readonly pubsub: PubSubPort;
  /** For `redis` input and output bindings. */
  readonly commands?: CommandPort;
}

/** Hands out ports per connection setting. */
export interface Broker {
  ports(connection: string): BrokerPorts;
  /** Connection descriptions without secrets, for status output. */
  describe(): Promise<Record<string, string>>;
  close(): Promise<void>;
}
