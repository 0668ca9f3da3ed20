// How a user tests the sample app's handlers: load the app as `redis-func start` would, on an in-memory Redis.
import path from 'node:path';
import { createTestHost, type TestHost } from 'redis-func/testing';

let host: TestHost;
beforeEach(async () => {
  host = await createTestHost({ scriptRoot: path.join(__dirname, '..', '..', '..') });
});
afterEach(async () => {
  await host.close();
});

describe('onOrderCreated', () => {
  it('logs each new order', async () => {
    await host.publish('orders:created', JSON.stringify({ id: 'A-1', total: 12.5 }));
    const [run] = host.invocationsOf('onOrderCreated');
    expect(run?.status).toBe('succeeded');
    expect(run?.logs).toEqual([{ level: 'information', message: 'New order A-1 for 12.5' }]);
  });

  it('warns about messages that are not orders instead of failing', async () => {
    await host.publish('orders:created', 'not json');
    const [run] = host.invocationsOf('onOrderCreated');
    expect(run?.status).toBe('succeeded');
    expect(run?.logs[0]?.level).toBe('warning');
  });

  it('is not subscribed to other order channels', async () => {
    await host.publish('orders:shipped', '{"id":"A-1"}');
    expect(host.invocationsOf('onOrderCreated')).toHaveLength(0);
  });
});

describe('onOrderEvent', () => {
  it('sees every orders:* channel and returns the event name', async () => {
    expect(await host.publish('orders:shipped', '{"id":"A-1"}')).toBe(1);
    expect(await host.publish('orders:created', '{"id":"A-2"}')).toBe(2);
    expect(host.invocationsOf('onOrderEvent').map((r) => r.result)).toEqual(['shipped', 'created']);
  });
});
