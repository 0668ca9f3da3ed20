import { trigger, type GenericFunctionOptions } from '@azure/functions';
import { createClient } from 'redis';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const redis = createClient({ url: redisUrl() });
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

/** The names of the connected clients, as CLIENT LIST shows them (one entry per connection). */
async function clientNames(): Promise<string[]> {
  const list = await redis.sendCommand<string>(['CLIENT', 'LIST']);
  return String(list)
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name !== '');
}

const fn = (connection: string, type: string, extra: Record<string, unknown>): GenericFunctionOptions => ({
  trigger: trigger.generic({ type, connection, ...extra }),
  handler: () => undefined,
});

describe('CLIENT SETNAME: operators see who is connected', () => {
  it('names a connection used by one function after it, shared ones after their setting, blocking readers after their function', async () => {
    const p = uniquePrefix('names');
    const setting = `${p.replace(/\W/g, '')}Conn`;
    const h = await hostOnRedis(
      {
        [`${setting}_onNews`]: fn(setting, 'redisPubSubTrigger', { channel: `${p}news`, pattern: false }),
        [`${setting}_jobs`]: fn(setting, 'redisListTrigger', { key: `${p}jobs`, mode: 'blocking' }),
        [`${setting}_events`]: fn(setting, 'redisStreamTrigger', {
          key: `${p}events`,
          pollingIntervalInMs: 10,
        }),
      },
      { env: { [setting]: redisUrl() } },
    );
    hosts.push(h);
    await redis.rPush(`${p}jobs`, 'x');
    await h.waitForInvocations(1, `${setting}_jobs`); // the blocking reader is connected
    const names = (await clientNames()).filter((n) => n.includes(setting));
    expect(names.sort()).toEqual(
      [
        `AzureFunctionsRedisExtension.${setting}_onNews`, // the Pub/Sub connection: one Pub/Sub function
        `AzureFunctionsRedisExtension.${setting}_jobs`, // its own blocking connection
        `AzureFunctionsRedisExtension.shared.${setting}`, // the command connection all three share
      ].sort(),
    );
  });

  it('names the shared command connection after the function when only one uses the setting', async () => {
    const p = uniquePrefix('name1');
    const setting = `${p.replace(/\W/g, '')}Conn`;
    const h = await hostOnRedis(
      { [`${setting}_only`]: fn(setting, 'redisStreamTrigger', { key: `${p}s`, pollingIntervalInMs: 10 }) },
      { env: { [setting]: redisUrl() } },
    );
    hosts.push(h);
    const names = (await clientNames()).filter((n) => n.includes(setting));
    expect(names).toEqual([`AzureFunctionsRedisExtension.${setting}_only`]);
  });
});
