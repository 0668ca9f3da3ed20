import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl, uniquePrefix } from '../support/redis-server';

/**
 * In `v1` mode (function.json apps, or host.json triggerValueFormat "v1") an unset maxBatchSize is the
 * 1.x extension's 16: seen on the wire with MONITOR, as an operator would check it.
 */
let host: HostUnderTest | undefined;
const monitor = createClient({ url: redisUrl() });
const client = createClient({ url: redisUrl() });
const commands: string[] = [];

beforeAll(async () => {
  await Promise.all([monitor.connect(), client.connect()]);
  await monitor.monitor((line: string) => commands.push(line));
});
afterAll(async () => {
  await host?.host.close();
  monitor.destroy();
  client.destroy();
});

it('pops and reads COUNT 16 when maxBatchSize is unset in v1 mode', async () => {
  const prefix = uniquePrefix('v1-defaults');
  const list = `${prefix}jobs`;
  const stream = `${prefix}events`;
  host = await hostOnRedis(
    {
      jobs: {
        trigger: trigger.generic({
          type: 'redisListTrigger',
          connection: 'RedisConnectionString',
          key: list,
        }),
        handler: () => undefined,
      },
      events: {
        trigger: trigger.generic({
          type: 'redisStreamTrigger',
          connection: 'RedisConnectionString',
          key: stream,
        }),
        handler: () => undefined,
      },
    },
    { hostJson: { extensions: { redis: { triggerValueFormat: 'v1' } } } },
  );
  await client.rPush(
    list,
    Array.from({ length: 40 }, (_, i) => String(i)),
  );
  for (let i = 0; i < 40; i++) await client.xAdd(stream, '*', { n: String(i) });
  await host.waitForInvocations(40, 'jobs');
  await host.waitForInvocations(40, 'events');
  const pops = commands.filter((c) => c.includes(`"${list}"`) && /"(LMPOP|LPOP)"/i.test(c));
  const reads = commands.filter((c) => /"XREADGROUP"/i.test(c) && c.includes(`"${stream}"`));
  expect(pops.length).toBeGreaterThan(0);
  expect(reads.length).toBeGreaterThan(0);
  for (const pop of pops) expect(pop).toMatch(/"COUNT" "16"|"LPOP" "[^"]+" "16"/i);
  for (const read of reads) expect(read).toMatch(/"COUNT" "16"/i);
  expect(host.records.some((r) => r.functionName === 'jobs' && r.input === '0')).toBe(true); // v1: the element
});
