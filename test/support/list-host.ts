import { trigger, type GenericFunctionOptions } from '@azure/functions';
import { createClient } from 'redis';
import { hostOnRedis, type HostOnRedisOptions, type HostUnderTest } from './host-on-redis';
import { redisUrl } from './redis-server';

/** Shared set-up of the list trigger tests: a client of the test's own and hosts closed after each test. */
const newClient = () => createClient({ url: redisUrl() });
export type TestClient = ReturnType<typeof newClient>;

export function listTestContext(): {
  redis: TestClient;
  start(
    registrations: Record<string, GenericFunctionOptions>,
    options?: HostOnRedisOptions,
  ): Promise<HostUnderTest>;
} {
  const redis = newClient();
  const hosts: HostUnderTest[] = [];
  beforeAll(async () => {
    await redis.connect();
  });
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.host.close();
  });
  afterAll(() => {
    redis.destroy();
  });
  return {
    redis,
    start: async (registrations, options) => {
      const h = await hostOnRedis(registrations, options);
      hosts.push(h);
      return h;
    },
  };
}

export type Model = { Trigger: string; Message: string };

/** A list-triggered function with its options. */
export function listFunction(
  keys: string,
  handler: (input: never, context: never) => unknown,
  extra: Record<string, unknown> = {},
): GenericFunctionOptions {
  return {
    trigger: trigger.generic({
      type: 'redisListTrigger',
      connection: 'RedisConnectionString',
      keys,
      ...extra,
    }),
    handler: handler as never,
  };
}

/** Polls until `check` holds (for Redis state that has no event to wait on). */
export async function waitFor(
  check: () => Promise<boolean>,
  what = 'condition',
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
