import { parseHostJson } from '../../../src/config/host-json';
import { resolveFunctions } from '../../../src/config/app-config';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { FunctionApp, RedisStreamTrigger, registrationsOf, type RedisMessageModel } from '../../../src';
import { definitionFromRegistration } from '../../../src/registration/from-core';

describe('@RedisStreamTrigger', () => {
  it('registers a redisStreamTrigger whose options resolve like app.generic ones', () => {
    @FunctionApp()
    class Orders {
      @RedisStreamTrigger({ connection: 'Redis', key: 'orders', mode: 'blocking', cardinality: 'many' })
      onOrders(_models: RedisMessageModel[]): void {}

      @RedisStreamTrigger({
        name: 'audit',
        connection: 'Redis',
        keys: 'a b',
        batchSize: 50,
        reclaimIdleMs: 5000,
      })
      other(): void {}
    }
    const registrations = registrationsOf(Orders) ?? [];
    expect(registrations.map((r) => r.name)).toEqual(['onOrders', 'audit']);
    expect(registrations[0]?.options.trigger).toMatchObject({ type: 'redisStreamTrigger', key: 'orders' });
    const host = parseHostJson({ version: '2.0' });
    const definitions = registrations.map((r) => definitionFromRegistration(r, 'Orders'));
    const [orders, audit] = resolveFunctions(definitions, new Settings(EMPTY_LOCAL_SETTINGS, {}), host);
    expect(orders?.options).toMatchObject({ keys: ['orders'], mode: 'blocking', cardinality: 'many' });
    expect(audit?.options).toMatchObject({ keys: ['a', 'b'], batchSize: 50, reclaimIdleMs: 5000 });
  });
});
