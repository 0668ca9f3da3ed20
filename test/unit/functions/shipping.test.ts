// How a user tests list and stream handlers: push and add as in Redis; the test host runs them as the host would.
import { createTestHost, type TestHost } from 'redis-func/testing';
import { Shipping } from '../../../functions/shipping';

let host: TestHost;
beforeEach(async () => {
  host = await createTestHost({ functions: [Shipping] });
});
afterEach(async () => {
  await host.close();
});

describe('Shipping', () => {
  it('ship handles each job once and leaves nothing in the list', async () => {
    await host.rpush('shipments', JSON.stringify({ orderId: 'A-1', address: '1 Main St' }));
    await host.rpush('shipments', JSON.stringify({ orderId: 'A-2', address: '2 Side St' }));
    expect(host.invocationsOf('ship').map((r) => [r.status, r.result])).toEqual([
      ['succeeded', 'A-1'],
      ['succeeded', 'A-2'],
    ]);
    expect(host.invocationsOf('ship')[0]?.logs[0]?.message).toBe('Shipping order A-1 to 1 Main St');
    expect(host.list('shipments')).toEqual([]);
  });

  it('ship sends a job that is not a shipment to the dead-letter list at once', async () => {
    await host.rpush('shipments', 'not json');
    expect(host.invocationsOf('ship').map((r) => r.status)).toEqual(['failed']);
    expect(host.list('shipments')).toEqual([]);
    const [dead] = host.list('shipments:deadletter').map((v) => JSON.parse(v) as Record<string, unknown>);
    expect(dead).toMatchObject({ value: 'not json', key: 'shipments', function: 'ship', attempts: 1 });
    expect(dead?.['error']).toContain('Not a shipment');
  });

  it('onPayment reads the entry fields and acks the entry', async () => {
    await host.xadd('payments', { orderId: 'A-1', amount: '12.50' });
    expect(host.invocationsOf('onPayment')[0]?.logs[0]?.message).toBe('Payment of 12.50 for order A-1');
    expect(host.pending('payments', 'shipping')).toEqual({});
  });
});
