// How a user tests a decorated class: hand the class to the test host.
import { createTestHost, type TestHost } from 'redis-func/testing';
import { Notifications } from '../../../functions/notifications';

let host: TestHost;
beforeEach(async () => {
  host = await createTestHost({ functions: [Notifications] });
});
afterEach(async () => {
  await host.close();
});

describe('Notifications', () => {
  it('onNotification counts the notifications it has seen on one instance', async () => {
    await host.publish('notifications', 'first');
    await host.publish('notifications', 'second');
    expect(host.invocationsOf('onNotification').map((r) => r.result)).toEqual([1, 2]);
    expect(host.invocationsOf('onNotification')[1]?.logs[0]?.message).toBe('Notification #2: second');
  });

  it('onKeyDeleted hears about deleted keys, not about writes', async () => {
    await host.set('cart:42', 'abandoned');
    await host.del('cart:42');
    expect(host.invocationsOf('onKeyDeleted').map((r) => r.logs[0]?.message)).toEqual([
      "Key 'cart:42' was deleted",
    ]);
  });
});
