import { startTestRedis } from './redis-server';

/** One Redis for the whole run: REDIS_URL if given, else testcontainers if Docker answers, else a redis-server. */
export default async function globalSetup(): Promise<void> {
  if (process.env['REDIS_URL']) return;
  const redis = await startTestRedis();
  process.env['REDIS_URL'] = redis.url;
  (globalThis as Record<string, unknown>)['__REDIS_FUNC_TEST_REDIS__'] = redis;
}
