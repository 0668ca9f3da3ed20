import type { AppConfiguration } from '../config/load';
import type { PinoLevel } from '../config/log-levels';
import type { Logger } from '../logging';
import { HostMetrics } from '../metrics/host-metrics';
import { RedisConnections } from '../redis/connections';
import type { EmbeddedServers } from '../redis/embedded-servers';
import { RedisBroker } from '../redis/redis-broker';
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
  });
  connections.validate(new Set(config.functions.filter((f) => !f.disabled).map((f) => f.options.connection)));
  return new FunctionHost({
    host: config.host,
    functions: config.functions,
    broker: new RedisBroker(connections),
    logger,
    hooks: config.app.hooks,
    minimumLevel: options.minimumLevel,
    metrics,
  });
}
