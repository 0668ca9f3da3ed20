import type { AppConfiguration } from '../config/load';
import type { PinoLevel } from '../config/log-levels';
import type { InvocationTap } from '../invoke/invocation-tap';
import type { Logger } from '../logging';
import { HostMetrics } from '../metrics/host-metrics';
import type { ConnectionUsers } from '../redis/connection-users';
import { RedisConnections } from '../redis/connections';
import type { EmbeddedServers } from '../redis/embedded-servers';
import { RedisBroker } from '../redis/redis-broker';
import { PUBSUB_TRIGGER } from '../triggers/pubsub';
import { WEBSITE_INSTANCE_ID, type ResolvedFunction } from '../triggers/trigger';
import { FunctionHost } from './function-host';

export interface CreateHostOptions {
  readonly config: AppConfiguration;
  readonly logger: Logger;
  readonly minimumLevel?: PinoLevel;
  /** Start a private redis-server for a connection setting that is not set (default true). */
  readonly embeddedDefault?: boolean;
  /** Shared by every instance of a group (one registry, one set of private servers). */
  readonly metrics?: HostMetrics;
  readonly embeddedServers?: EmbeddedServers;
  /** Records for runtime subscribers (the board), shared by every instance of a group. */
  readonly tap?: InvocationTap;
  /** The listener set's number in the process (`--instances`; default 0). */
  readonly instance?: number;
}

/** A host on real Redis connections. Connection strings are parsed here, before anything connects. */
export function createRedisHost(options: CreateHostOptions): FunctionHost {
  const { config, logger } = options;
  const metrics = options.metrics ?? new HostMetrics();
  const connections = new RedisConnections({
    settings: config.settings,
    logger,
    embeddedDefault: options.embeddedDefault,
    embeddedServers: options.embeddedServers,
    onReconnect: (setting) => metrics.count('reconnects', setting),
    users: connectionUsers(config.functions),
  });
  connections.validate();
  return new FunctionHost({
    host: config.host,
    functions: config.functions,
    broker: new RedisBroker(connections),
    logger,
    hooks: config.app.hooks,
    instance: {
      index: options.instance ?? 0,
      websiteInstanceId: config.settings.get(WEBSITE_INSTANCE_ID),
    },
    minimumLevel: options.minimumLevel,
    metrics,
    tap: options.tap,
  });
}

/** The enabled functions naming each connection setting (trigger or binding), and its Pub/Sub triggers. */
export function connectionUsers(functions: readonly ResolvedFunction[]): Map<string, ConnectionUsers> {
  const users = new Map<string, { functions: string[]; pubsub: string[] }>();
  const use = (setting: string, fn: ResolvedFunction, pubsub: boolean): void => {
    let entry = users.get(setting);
    if (!entry) users.set(setting, (entry = { functions: [], pubsub: [] }));
    if (!entry.functions.includes(fn.name)) entry.functions.push(fn.name);
    if (pubsub && !entry.pubsub.includes(fn.name)) entry.pubsub.push(fn.name);
  };
  for (const fn of functions) {
    if (fn.disabled) continue;
    use(fn.options.connection, fn, fn.triggerType === PUBSUB_TRIGGER);
    for (const binding of [...fn.inputs, ...fn.outputs]) use(binding.connection, fn, false);
  }
  return users;
}
