import type { TestRedis } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as Record<string, unknown>)['__REDIS_FUNC_TEST_REDIS__'] as TestRedis | undefined;
  await redis?.stop();
}
