import { parseHostJson } from '../../../src/config/host-json';
import { resolveFunctions } from '../../../src/config/app-config';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { FunctionApp, RedisListTrigger, registrationsOf, type RedisMessageModel } from '../../../src';
import { definitionFromRegistration } from '../../../src/registration/from-core';

describe('@RedisListTrigger', () => {
  it('registers a redisListTrigger whose options resolve like app.generic ones', () => {
    @FunctionApp()
    class Jobs {
      @RedisListTrigger({ connection: 'Redis', key: 'jobs', mode: 'blocking', reliable: true })
      onJob(_model: RedisMessageModel): void {}

      @RedisListTrigger({
        name: 'batches',
        connection: 'Redis',
        keys: 'a b',
        maxBatchSize: 50,
        listDirection: 'right',
        cardinality: 'many',
      })
      other(_models: RedisMessageModel[]): void {}
    }
    const registrations = registrationsOf(Jobs) ?? [];
    expect(registrations.map((r) => r.name)).toEqual(['onJob', 'batches']);
    expect(registrations[0]?.options.trigger).toMatchObject({ type: 'redisListTrigger', key: 'jobs' });
    const host = parseHostJson({ version: '2.0' });
    const definitions = registrations.map((r) => definitionFromRegistration(r, 'Jobs'));
    const [jobs, batches] = resolveFunctions(definitions, new Settings(EMPTY_LOCAL_SETTINGS, {}), host);
    expect(jobs?.options).toMatchObject({ keys: ['jobs'], mode: 'blocking', reliable: true });
    expect(batches?.options).toMatchObject({
      keys: ['a', 'b'],
      batchSize: 50,
      direction: 'right',
      cardinality: 'many',
    });
  });
});
