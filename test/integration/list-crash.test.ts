import { trigger } from '@azure/functions';
import { listProcessingKey } from '../../src/triggers/list-keys';
import {
  CrashingRedis,
  crashProofClient,
  crashRepeatedly,
  allHandled,
  produce,
  type Client,
} from '../support/crashing-redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { waitFor } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';

/**
 * Reliable lists through Redis crashes: SIGKILL under load, restarted from its AOF on the same port, again
 * and again while the host runs. A move whose reply dies with the connection leaves its batch in the
 * listener's processing list; the listener finds it there and runs it, and runs nothing twice.
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

it('reliable lists: every acknowledged element handled once through 20 SIGKILLs, nothing left', async () => {
  const key = `${uniquePrefix('list-crash')}jobs`;
  host = await hostOnRedis(
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
  const started = await host.waitForLog((l) => l.msg.includes('pops list(s)'));
  const producer = produce((i) => client.rPush(key, `m${i}`).then(() => `m${i}`));
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
  const processing = listProcessingKey(key, String(started['owner']));
  await waitFor(async () => (await client.lLen(processing)) === 0, 'an empty processing list');
  expect(await client.lLen(key)).toBe(0);
  expect(await client.keys(`{${key}}:redis-func:processing:*`)).toEqual([]);
  expect(sent.length).toBeGreaterThan(1000);
  // Closing leaves no bookkeeping behind (heartbeat, owners, receipts).
  await host.host.close();
  expect(await client.keys(`{${key}}:redis-func:*`)).toEqual([]);
}, 60_000);
