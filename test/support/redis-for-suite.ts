import pino from 'pino';
import { createClient } from 'redis';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { RedisConnections } from '../../src/redis/connections';
import { redisUrl } from './redis-server';

/**
 * For one test file: a plain node-redis client and the host's RedisConnections (setting `Redis`) on the
 * test Redis, connected before the file's tests and closed after them.
 */
export function redisForSuite() {
  const redis = createClient({ url: redisUrl() });
  let connections: RedisConnections | undefined;
  beforeAll(async () => {
    await redis.connect();
    connections = new RedisConnections({
      settings: new Settings(EMPTY_LOCAL_SETTINGS, { Redis: redisUrl() }),
      logger: pino({ level: 'silent' }),
      embeddedDefault: false,
    });
  });
  afterAll(async () => {
    await connections?.close();
    redis.destroy();
  });
  return {
    redis,
    /** The connections, once beforeAll has run. */
    get connections(): RedisConnections {
      if (!connections) throw new Error('redisForSuite: used before beforeAll ran');
      return connections;
    },
  };
}
