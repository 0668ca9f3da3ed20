import path from 'node:path';
import { trigger } from '@azure/functions';
import { createTestHost, type TestHost } from '../../../src/testing';

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});
async function host(...args: Parameters<typeof createTestHost>): Promise<TestHost> {
  const h = await createTestHost(...args);
  hosts.push(h);
  return h;
}

const reg = (
  name: string,
  type: string,
  options: Record<string, unknown>,
  handler: (input: never) => unknown = () => undefined,
) => ({
  name,
  options: { trigger: trigger.generic({ type, connection: 'Redis', ...options }), handler: handler as never },
});

describe('createTestHost', () => {
  it('delivers Pub/Sub messages with Redis glob patterns and counts receivers', async () => {
    const h = await host({
      functions: [
        reg('pattern', 'redisPubSubTrigger', { channel: 'orders:[cs]*' }),
        reg('exact', 'redisPubSubTrigger', { channel: 'orders:created', pattern: false }),
      ],
    });
    expect(await h.publish('orders:created', 'a')).toBe(2);
    expect(await h.publish('orders:shipped', 'b')).toBe(1);
    expect(await h.publish('orders:paid', 'c')).toBe(0);
    expect(h.invocationsOf('pattern').map((r) => r.input)).toEqual([
      { Trigger: 'orders:created', Message: 'a' },
      { Trigger: 'orders:shipped', Message: 'b' },
    ]);
    expect(h.invocationsOf('exact')).toHaveLength(1);
  });

  it('delivers SPUBLISH only to sharded functions of exactly that channel, and PUBLISH never to them', async () => {
    const h = await host({
      functions: [
        reg('sharded', 'redisPubSubTrigger', { channel: 'orders:created', sharded: true }),
        reg('plain', 'redisPubSubTrigger', { channel: 'orders:*' }),
      ],
    });
    expect(await h.spublish('orders:created', 'a')).toBe(1);
    expect(await h.spublish('orders:other', 'b')).toBe(0);
    expect(await h.publish('orders:created', 'c')).toBe(1);
    expect(h.invocationsOf('sharded').map((r) => r.input)).toEqual([
      { Trigger: 'orders:created', Message: 'a' },
    ]);
    expect(h.invocationsOf('plain').map((r) => r.input)).toEqual([
      { Trigger: 'orders:created', Message: 'c' },
    ]);
  });

  it('raises keyevent notifications for set and del', async () => {
    const h = await host({
      functions: [reg('onDel', 'redisPubSubTrigger', { channel: '__keyevent@0__:del' })],
    });
    await h.set('k', 'v');
    expect(await h.del('k')).toBe(true);
    expect(h.invocationsOf('onDel').map((r) => (r.input as { Message: string }).Message)).toEqual(['k']);
  });

  it('runs list triggers without waiting for the polling interval', async () => {
    const h = await host({
      functions: [reg('onItem', 'redisListTrigger', { keys: 'q', pollingIntervalInMs: 60000 })],
    });
    await h.rpush('q', 'one', 'two');
    expect(h.invocationsOf('onItem').map((r) => r.input)).toEqual([
      { Trigger: 'q', Message: 'one' },
      { Trigger: 'q', Message: 'two' },
    ]);
    expect(h.list('q')).toEqual([]);
  });

  it('has run every element of several full batches when rpush and xadd resolve', async () => {
    const h = await host({
      functions: [
        reg('onItem', 'redisListTrigger', { keys: 'q', batchSize: 10, pollingIntervalInMs: 60000 }),
        reg('onEntry', 'redisStreamTrigger', { keys: 's', batchSize: 10, pollingIntervalInMs: 60000 }),
      ],
    });
    const values = Array.from({ length: 35 }, (_v, i) => String(i));
    await h.rpush('q', ...values);
    expect(h.invocationsOf('onItem').map((r) => (r.input as { Message: string }).Message)).toEqual(values);
    for (const v of values) h.broker.xadd('s', { v });
    await h.idle();
    expect(h.invocationsOf('onEntry')).toHaveLength(35);
    expect(Object.values(h.pending('s')).flat()).toEqual([]);
  });

  it('acks stream entries on success and leaves failures pending', async () => {
    const h = await host({
      functions: [
        reg(
          'onEntry',
          'redisStreamTrigger',
          { keys: 's', pollingIntervalInMs: 60000 },
          (m: { Message: string }) => {
            if (m.Message.includes('bad')) throw new Error('no');
          },
        ),
      ],
    });
    await h.xadd('s', { ok: '1' });
    const bad = await h.xadd('s', { bad: '1' });
    expect(h.invocationsOf('onEntry').map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(Object.values(h.pending('s')).flat()).toEqual([bad]);
  });

  it('loads an app from its script root as redis-func start does', async () => {
    const h = await host({
      scriptRoot: path.join(__dirname, '..', '..', 'fixtures', 'pubsub-app'),
      settings: { OrdersChannel: 'orders:*' },
    });
    await h.publish('orders:new', 'hello');
    const [record] = h.invocationsOf('onOrder');
    expect(record?.result).toBe('HELLO');
    expect(record?.logs).toEqual([{ level: 'information', message: 'order on orders:new: hello' }]);
  });
});
