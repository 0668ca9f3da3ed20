import path from 'node:path';
import { createTestHost, type TestHost } from '../../../src/testing';

/**
 * A function.json app with host.json as Azure's templates leave it (no triggerValueFormat): its handlers
 * log typeof and value of each argument and context.bindingData. They see the 1.x shapes after the v3
 * worker's JSON.parse, and binding data with camel-cased keys, invocationId and sys.
 */
const scriptRoot = path.join(__dirname, '..', '..', 'fixtures', 'v1-shapes-app');
let host: TestHost;
beforeEach(async () => {
  host = await createTestHost({ scriptRoot });
});
afterEach(() => host.close());

interface Logged {
  args: { type: string; value: unknown }[];
  bindingData: Record<string, unknown>;
}

function logged(name: string): Logged[] {
  const runs = host.invocationsOf(name);
  expect(runs.map((run) => run.status)).toEqual(runs.map(() => 'succeeded'));
  return runs.map((run) => JSON.parse(run.logs[0]?.message ?? 'null') as Logged);
}

const sys = (methodName: string) => ({
  methodName,
  utcNow: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
  randGuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
});

describe('value shapes of a function.json app, host.json silent', () => {
  it('PUBLISH: the { SubscriptionChannel, Channel, Message } object; a GET {Message} input of JSON is an object', async () => {
    await host.set('order:1', '{"a":1}');
    await host.publish('shapes:channel', 'order:1');
    const [run] = logged('OnPublish');
    expect(run?.args).toEqual([
      {
        type: 'object',
        value: { SubscriptionChannel: 'shapes:channel', Channel: 'shapes:channel', Message: 'order:1' },
      },
      { type: 'object', value: { a: 1 } },
    ]);
    expect(run?.bindingData).toEqual({
      invocationId: host.invocationsOf('OnPublish')[0]?.invocationId,
      subscriptionChannel: 'shapes:channel',
      channel: 'shapes:channel',
      message: 'order:1',
      sys: sys('OnPublish'),
    });
  });

  it('RPUSH: plain stays a string, {"id":1} is an object, 42 a number; binding data key and value', async () => {
    await host.rpush('shapes:list', 'plain', '{"id":1}', '42');
    const runs = logged('OnList');
    expect(runs.map((run) => run.args)).toEqual([
      [{ type: 'string', value: 'plain' }],
      [{ type: 'object', value: { id: 1 } }],
      [{ type: 'number', value: 42 }],
    ]);
    expect(runs[1]?.bindingData).toEqual({
      invocationId: expect.any(String),
      key: 'shapes:list',
      value: { id: 1 },
      sys: sys('OnList'),
    });
  });

  it('XADD: the { Id, Values } object; binding data key, id and values', async () => {
    const id = await host.xadd('shapes:stream', { Name: 'n', count: '2' });
    const [run] = logged('OnStream');
    expect(run?.args).toEqual([{ type: 'object', value: { Id: id, Values: { Name: 'n', count: '2' } } }]);
    expect(run?.bindingData).toEqual({
      invocationId: expect.any(String),
      key: 'shapes:stream',
      id,
      values: { name: 'n', count: '2' }, // the worker camel-cases nested keys too
      sys: sys('OnStream'),
    });
  });
});
