import path from 'node:path';
import { format } from 'node:util';
import { createTestHost, type TestHost } from '../../../src/testing';

/**
 * The Redis extension's own Node samples (test/fixtures/extension-samples, unchanged, host.json as they
 * ship it: no triggerValueFormat) run on the in-memory test host, which loads them through the same
 * loader, option parsing, v3 context and invoker as `redis-func start`. Each logs what it logs in Azure,
 * where the host hands the 1.x value as text and the v3 worker JSON-parses it before
 * `context.log` (util.format) prints it.
 */
const samples = path.join(__dirname, '..', '..', 'fixtures', 'extension-samples');
let host: TestHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function start(app: string): Promise<TestHost> {
  host = await createTestHost({ scriptRoot: path.join(samples, app) });
  return host;
}

function logsOf(h: TestHost, name: string): string[] {
  return h.invocationsOf(name).flatMap((run) => run.logs.map((l) => l.message));
}

/** What `context.log(value)` prints in Azure for the 1.x extension's JSON text: the worker parses it first. */
function azureLog(extensionText: string): string {
  return format(JSON.parse(extensionText));
}

function allSucceeded(h: TestHost): void {
  expect(h.invocations.filter((run) => run.status !== 'succeeded')).toEqual([]);
}

describe("the extension's Node samples, as shipped", () => {
  it('RedisPubSubTrigger: each logs the 1.x { SubscriptionChannel, Channel, Message } object', async () => {
    const h = await start('RedisPubSubTrigger');
    expect(await h.publish('pubsubTest', 'hello')).toBe(1);
    expect(await h.publish('pubsubTest', '{"a":1}')).toBe(1);
    expect(await h.publish('pubsub*', 'literal')).toBe(0); // pattern: false, and a * is literal
    await h.publish('resolvedChannel', 'resolved'); // "%pubsubChannel%" from local.settings.json
    await h.set('keyspaceTest', 'v');
    await h.del('keyspaceTest');
    expect(logsOf(h, 'SimplePubSubTrigger')).toEqual([
      azureLog('{"SubscriptionChannel":"pubsubTest","Channel":"pubsubTest","Message":"hello"}'),
      azureLog('{"SubscriptionChannel":"pubsubTest","Channel":"pubsubTest","Message":"{\\"a\\":1}"}'),
    ]);
    expect(logsOf(h, 'SimplePubSubTrigger')[0]).toBe(
      "{\n  SubscriptionChannel: 'pubsubTest',\n  Channel: 'pubsubTest',\n  Message: 'hello'\n}",
    );
    expect(logsOf(h, 'ResolvedChannelPubSubTrigger')).toEqual([
      azureLog('{"SubscriptionChannel":"resolvedChannel","Channel":"resolvedChannel","Message":"resolved"}'),
    ]);
    const keyspace =
      '"SubscriptionChannel":"__keyspace@0__:keyspaceTest","Channel":"__keyspace@0__:keyspaceTest"';
    expect(logsOf(h, 'KeyspaceTrigger')).toEqual([
      azureLog(`{${keyspace},"Message":"set"}`),
      azureLog(`{${keyspace},"Message":"del"}`),
    ]);
    expect(logsOf(h, 'KeyeventTrigger')).toEqual([
      azureLog(
        '{"SubscriptionChannel":"__keyevent@0__:del","Channel":"__keyevent@0__:del","Message":"keyspaceTest"}',
      ),
    ]);
    allSucceeded(h);
  });

  it('RedisListTrigger: each element is logged as the worker parsed it', async () => {
    const h = await start('RedisListTrigger');
    await h.rpush('listTest', 'plain', '{"id":1}', '42');
    const logged = [...logsOf(h, 'SimpleListTrigger'), ...logsOf(h, 'FastPollingListTrigger')];
    expect(logged.sort()).toEqual(['42', 'plain', '{ id: 1 }']);
    allSucceeded(h);
  });

  it('RedisStreamTrigger: each entry is logged as { Id, Values }', async () => {
    const h = await start('RedisStreamTrigger');
    const id = await h.xadd('streamTest', { field1: 'value1' });
    const logged = new Set([...logsOf(h, 'SimpleStreamTrigger'), ...logsOf(h, 'FastPollingStreamTrigger')]);
    expect([...logged]).toEqual([`{ Id: '${id}', Values: { field1: 'value1' } }`]);
    allSucceeded(h);
  });

  it('RedisInputBinding: SetGetter logs the key object and the GET reply', async () => {
    const h = await start('RedisInputBinding');
    await h.set('answer', '42');
    await h.set('greeting', 'hello');
    expect(logsOf(h, 'SetGetter')).toEqual([
      "Key '[object Object]' was set to value '42'",
      "Key '[object Object]' was set to value 'hello'",
    ]);
    expect(h.invocationsOf('SetGetter').map((run) => run.triggerMetadata['Message'])).toEqual([
      'answer',
      'greeting',
    ]);
    allSucceeded(h);
  });

  it('RedisOutputBinding: SetDeleter returns the key object; StreamTriggerDeleteEntry XDELs its entry', async () => {
    const h = await start('RedisOutputBinding');
    await h.set('doomed', 'x');
    expect(logsOf(h, 'SetDeleter')).toEqual(["Deleting recently SET key '[object Object]'"]);
    // DEL gets the object as JSON text, as the host turns a returned object into the collector's string:
    // the key itself stays (as in Azure).
    expect(h.get('doomed')).toBe('x');
    const id = await h.xadd('streamTest2', { a: 'b' });
    await h.idle();
    expect(logsOf(h, 'StreamTriggerDeleteEntry')).toEqual([
      `Stream entry from key 'streamTest2' with Id '${id}' and values '[object Undefined]'`,
    ]);
    expect(h.entries('streamTest2')).toEqual([]);
    allSucceeded(h);
  });
});
