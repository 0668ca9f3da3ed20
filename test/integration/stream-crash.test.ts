import { trigger } from '@azure/functions';
import { crashingRedisForSuite, throughCrashes } from '../support/crashing-redis';
import { hostOnRedis } from '../support/host-on-redis';
import { waitFor } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';

/**
 * Streams through Redis crashes: SIGKILL under load, restarted from its AOF on the same port, again and
 * again while the host runs. A read whose reply dies with the connection leaves its entries pending on the
 * consumer; the consumer reads them again (XREADGROUP from 0) at once instead of after reclaimIdleMs.
 */
const suite = crashingRedisForSuite();

it('streams: every acknowledged XADD handled once through 20 SIGKILLs, nothing left pending', async () => {
  const key = `${uniquePrefix('stream-crash')}events`;
  const { redis, client } = suite;
  const host = await hostOnRedis(
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
  suite.host = host;
  await host.waitForLog((l) => l.msg.includes('reads stream(s)'));
  const { sent, missing, duplicates } = await throughCrashes(suite.redis, host, (i) =>
    client.xAdd(key, '*', { n: String(i) }).then(() => `{"n":"${i}"}`),
  );
  expect(missing).toEqual([]);
  expect(duplicates).toEqual([]);
  const pending = async (): Promise<number> => Number((await client.xInfoGroups(key))[0]?.pending);
  await waitFor(async () => (await pending()) === 0, 'no pending entries');
  expect(sent.length).toBeGreaterThan(1000);
}, 60_000);
