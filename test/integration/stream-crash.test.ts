import { trigger } from '@azure/functions';
import {
  CrashingRedis,
  allHandled,
  crashProofClient,
  crashRepeatedly,
  produce,
  type Client,
} from '../support/crashing-redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { waitFor } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';

/**
 * Streams through Redis crashes: SIGKILL under load, restarted from its AOF on the same port, again and
 * again while the host runs. A read whose reply dies with the connection leaves its entries pending on the
 * consumer; the consumer reads them again (XREADGROUP from 0) at once instead of after reclaimIdleMs.
 */
let redis: CrashingRedis;
let client: Client;
let host: HostUnderTest | undefined;

beforeAll(async () => {
  redis = await CrashingRedis.start();
  client = await crashProofClient(redis.url);
});
afterAll(async () => {
  await host?.host.close();
  client.destroy();
  await redis.stop();
});

it('streams: every acknowledged XADD handled once through 20 SIGKILLs, nothing left pending', async () => {
  const key = `${uniquePrefix('stream-crash')}events`;
  host = await hostOnRedis(
    {
      events: {
        trigger: trigger.generic({
          type: 'redisStreamTrigger',
          connection: 'RedisConnectionString',
          key,
          batchSize: 20,
          pollingIntervalInMs: 100,
          reclaimIdleMs: 600_000, // nothing is left for the reclaim: a lost read is read again at once
        }),
        handler: (() => undefined) as never,
      },
    },
    { url: redis.url },
  );
  await host.waitForLog((l) => l.msg.includes('reads stream(s)'));
  const producer = produce((i) => client.xAdd(key, '*', { n: String(i) }).then(() => `{"n":"${i}"}`));
  await crashRepeatedly(redis, host, 20, 60);
  await producer.stop();
  const sent = producer.acknowledged;
  const counts = await allHandled(host, sent);
  const missing = sent.filter((m) => !counts.has(m));
  // On failure, what the host said last (the listener's state after the crashes) goes with the diff.
  if (missing.length > 0)
    console.error(
      host.logs
        .slice(-40)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
  expect(missing).toEqual([]);
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  const pending = async (): Promise<number> => Number((await client.xInfoGroups(key))[0]?.pending);
  await waitFor(async () => (await pending()) === 0, 'no pending entries');
  expect(sent.length).toBeGreaterThan(1000);
}, 60_000);
