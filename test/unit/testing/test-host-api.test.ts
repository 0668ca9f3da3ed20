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
const pubsubApp = path.join(__dirname, '..', '..', 'fixtures', 'pubsub-app');

describe('createTestHost: running and inspecting', () => {
  it('invoke() runs a function as the admin endpoint does, and refuses unknown names', async () => {
    const h = await host({ scriptRoot: pubsubApp, settings: { OrdersChannel: 'orders:*' } });
    const record = await h.invoke('onOrder', 'by hand');
    expect(record).toMatchObject({ functionName: 'onOrder', status: 'succeeded', result: 'BY HAND' });
    expect(h.invocationsOf('onOrder')).toEqual([record]);
    await expect(h.invoke('nope', 'x')).rejects.toThrow("No function named 'nope'");
  });

  it('settings disable a function of a loaded app (AzureWebJobs.<name>.Disabled)', async () => {
    const h = await host({
      scriptRoot: pubsubApp,
      settings: { OrdersChannel: 'orders:*', 'AzureWebJobs.onOrder.Disabled': 'true' },
    });
    expect(await h.publish('orders:new', 'x')).toBe(0);
    await h.set('k', 'v');
    await h.del('k');
    expect(h.invocations.map((r) => r.functionName)).toEqual(['onKeyDel']);
  });

  it('a failed invocation keeps what the handler threw and its log lines', async () => {
    const h = await host({ scriptRoot: pubsubApp, settings: { OrdersChannel: 'orders:*' } });
    await h.publish('orders:new', 'boom');
    const [failed] = h.invocationsOf('onOrder');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toBeInstanceOf(Error);
    expect(String(failed?.error)).toContain('order handler failed');
    expect(failed?.logs).toEqual([{ level: 'information', message: 'order on orders:new: boom' }]);
  });

  it('shows stream entries and the pending entries list with consumers and delivery counts', async () => {
    const h = await host({
      functions: [
        reg('picky', 'redisStreamTrigger', { key: 's', reclaimIdleMs: 600000 }, (m: { Message: string }) => {
          if (m.Message.includes('no')) throw new Error('refused');
        }),
      ],
    });
    await h.xadd('s', { answer: 'yes' });
    const refused = await h.xadd('s', { answer: 'no' });
    expect(h.entries('s').map((e) => e.fields)).toEqual([{ answer: 'yes' }, { answer: 'no' }]);
    const [pending, ...others] = h.pendingEntries('s');
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ id: refused, deliveries: 1 });
    expect(h.pending('s')).toEqual({ [pending?.consumer ?? '']: [refused] });
  });

  it('pending(key) defaults to the group of the function reading the key (its name), and asks when that is ambiguous', async () => {
    const fail = () => {
      throw new Error('no');
    };
    const h = await host({
      functions: [
        reg('audit', 'redisStreamTrigger', { key: 's', reclaimIdleMs: 600000 }, fail),
        reg('billing', 'redisStreamTrigger', { key: 't', reclaimIdleMs: 600000 }, fail),
        reg('again', 'redisStreamTrigger', { key: 't', reclaimIdleMs: 600000, consumerGroup: 'other' }, fail),
      ],
      settings: { WEBSITE_INSTANCE_ID: 'inst-7' },
    });
    const id = await h.xadd('s', { a: '1' });
    expect(h.pending('s')).toEqual({ 'inst-7': [id] });
    expect(h.pending('s', 'audit')).toEqual({ 'inst-7': [id] });
    expect(h.pendingEntries('s')).toMatchObject([{ id, consumer: 'inst-7' }]);
    expect(() => h.pending('t')).toThrow("Several consumer groups read 't' (billing, other)");
    expect(() => h.pending('nobody')).toThrow("No stream function reads 'nobody'");
  });

  it('get() reads what a redis output binding wrote', async () => {
    const h = await host({
      functions: [
        {
          name: 'remember',
          options: {
            trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'Redis', channel: 'c' }),
            return: { type: 'redis', name: '$return', connection: 'Redis', command: 'SET' },
            handler: (m: { Message: string }) => `last ${m.Message}`,
          },
        },
      ],
    });
    await h.publish('c', 'hello');
    expect(h.invocationsOf('remember')[0]?.status).toBe('succeeded');
    expect(h.get('last')).toBe('hello');
  });

  it('instances split one consumer group: each entry handled once, by one of the consumers', async () => {
    const h = await host({
      functions: [reg('split', 'redisStreamTrigger', { key: 's', maxBatchSize: 2 })],
      instances: 3,
    });
    for (let i = 0; i < 12; i++) await h.xadd('s', { n: String(i) });
    const ids = h.invocationsOf('split').map((r) => (r.triggerMetadata as { Id: string }).Id);
    expect(new Set(ids).size).toBe(12);
    expect(h.pendingEntries('s')).toEqual([]);
  });
});
