import { trigger } from '@azure/functions';
import { listProcessingKey } from '../../src/triggers/list-keys';
import { crashingRedisForSuite, throughCrashes } from '../support/crashing-redis';
import { hostOnRedis } from '../support/host-on-redis';
import { waitFor } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';

/**
 * Reliable lists through Redis crashes: SIGKILL under load, restarted from its AOF on the same port, again
 * and again while the host runs. A move whose reply dies with the connection leaves its batch in the
 * listener's processing list; the listener finds it there and runs it, and runs nothing twice.
 */
const suite = crashingRedisForSuite();

it('reliable lists: every acknowledged element handled once through 20 SIGKILLs, nothing left', async () => {
  const key = `${uniquePrefix('list-crash')}jobs`;
  const { redis, client } = suite;
  const host = await hostOnRedis(
    {
      jobs: {
        trigger: trigger.generic({
          type: 'redisListTrigger',
          connection: 'RedisConnectionString',
          key,
          reliable: true,
          batchSize: 20,
          pollingIntervalInMs: 100,
        }),
        handler: (() => undefined) as never,
      },
    },
    { url: redis.url },
  );
  suite.host = host;
  const started = await host.waitForLog((l) => l.msg.includes('pops list(s)'));
  const { sent, missing, duplicates } = await throughCrashes(suite.redis, host, (i) =>
    client.rPush(key, `m${i}`).then(() => `m${i}`),
  );
  expect(missing).toEqual([]);
  expect(duplicates).toEqual([]);
  const processing = listProcessingKey(key, String(started['owner']));
  await waitFor(async () => (await client.lLen(processing)) === 0, 'an empty processing list');
  expect(await client.lLen(key)).toBe(0);
  expect(await client.keys(`{${key}}:redis-func:processing:*`)).toEqual([]);
  expect(sent.length).toBeGreaterThan(1000);
  // Closing leaves no bookkeeping behind (heartbeat, owners, receipts).
  await host.host.close();
  expect(await client.keys(`{${key}}:redis-func:*`)).toEqual([]);
}, 60_000);
