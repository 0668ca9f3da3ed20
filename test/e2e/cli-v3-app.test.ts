import path from 'node:path';
import { createClient } from 'redis';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const fixture = path.join(__dirname, '..', 'fixtures', 'v3-app');
const redis = createClient({ url: redisUrl() });
const subscriber = createClient({ url: redisUrl() });
let cli: CliProcess | undefined;

beforeAll(async () => {
  await Promise.all([redis.connect(), subscriber.connect()]);
});
afterEach(() => {
  if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(() => {
  redis.destroy();
  subscriber.destroy();
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

describe('a function.json (v3) app with redis input and output bindings', () => {
  it('runs unchanged: %setting% channels, $return and named outputs, GET {Message} inputs, context.done', async () => {
    const p = uniquePrefix('v3');
    cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      RedisConnectionString: redisUrl(),
      PubSubChannel: `${p}orders`,
      KeyPrefix: p,
    });
    await cli.waitForLine((l) => msg(l) === 'Host started');
    const listed = cli.lines.find((l) => msg(l).startsWith('Functions: '))?.['functions'] as
      { name: string; triggerType: string }[] | undefined;
    expect(listed?.map((f) => `${f.name}: ${f.triggerType}`)).toEqual(
      expect.arrayContaining([
        'ListTrigger: redisListTrigger',
        'StreamTrigger: redisStreamTrigger',
        'KeyspaceTrigger: redisPubSubTrigger',
        'CallbackStyle: redisPubSubTrigger',
        'KeyWritten: redisPubSubTrigger',
        'OrderChannel: redisPubSubTrigger',
      ]),
    );

    await redis.publish(`${p}orders`, 'order-7');
    await cli.waitForLine((l) => msg(l).startsWith("Executed 'Functions.OrderChannel' (Succeeded"));
    await cli.waitForLine((l) => msg(l).startsWith("Executed 'Functions.CallbackStyle' (Succeeded"));
    expect(await redis.get(`${p}last`)).toBe('order-7');
    expect(await redis.get(`${p}callback`)).toBe('order-7');
    expect(cli.lines.some((l) => msg(l) === `OrderChannel got order-7 on ${p}orders`)).toBe(true);
    expect(cli.lines.some((l) => msg(l) === 'done by callback' && l['level'] === 'warn')).toBe(true);

    let echo: (message: string) => void = () => undefined;
    const echoed = new Promise<string>((resolve) => (echo = resolve));
    await subscriber.subscribe(`${p}echo`, (message) => echo(message));
    await redis.set(`${p}in:greeting`, 'hello');
    expect(await echoed).toBe(`${p}in:greeting=hello`);
    await cli.waitForLine((l) => msg(l) === `key ${p}in:greeting = hello (bindings: hello)`);
  });

  it('runs keyspace, fast-polling list and stream triggers, and XDEL from a returned "<key> <id>"', async () => {
    const p = uniquePrefix('v3b');
    cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      RedisConnectionString: redisUrl(),
      PubSubChannel: `${p}orders`,
      KeyPrefix: p,
    });
    await cli.waitForLine((l) => msg(l) === 'Host started');
    await redis.set(`${p}watched`, '1');
    await cli.waitForLine((l) => msg(l) === `keyspace __keyspace@0__:${p}watched: set`);
    await redis.rPush(`${p}jobs`, ['j1', 'j2']);
    await cli.waitForLine((l) => msg(l) === `list ${p}jobs: j2`);
    const id = await redis.xAdd(`${p}events`, '*', { kind: 'created' });
    await cli.waitForLine((l) => msg(l) === `stream ${p}events ${id}: {"kind":"created"}`);
    await cli.waitForLine((l) => msg(l).startsWith("Executed 'Functions.StreamTrigger' (Succeeded"));
    expect(await redis.xLen(`${p}events`)).toBe(0);
  });
});
