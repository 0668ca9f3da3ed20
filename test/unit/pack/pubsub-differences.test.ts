import { trigger } from '@azure/functions';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { differencesOf } from '../../../src/pack/trigger-differences';
import { definitionFromRegistration } from '../../../src/registration/from-core';
import { BindingOptions } from '../../../src/triggers/binding-options';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, {});

function differences(extra: Record<string, unknown>) {
  const definition = definitionFromRegistration(
    {
      name: 'onMessage',
      options: {
        trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'R', channel: 'c', ...extra }),
        handler: () => undefined,
      },
    },
    'test',
  );
  const options = new BindingOptions('onMessage', definition.trigger, settings, 'test.js');
  return differencesOf('redisPubSubTrigger', definition, options, settings);
}

describe('redis-func pack: Pub/Sub load options', () => {
  it('lists maxBacklog and concurrency as options Azure does not have', () => {
    expect(differences({}).map((d) => d.option)).toEqual([]);
    const rows = differences({ maxBacklog: 100, concurrency: 4 });
    expect(rows.map((d) => [d.function, d.option, d.severity])).toEqual([
      ['onMessage', 'maxBacklog', 'differs'],
      ['onMessage', 'concurrency', 'differs'],
    ]);
    expect(rows[0]?.azure).toContain('unbounded');
    expect(rows[1]?.azure).toContain('one invocation at a time, in order');
  });
});
