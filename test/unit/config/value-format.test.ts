import { trigger } from '@azure/functions';
import { resolveFunctions } from '../../../src/config/app-config';
import { parseHostJson, valueFormatOf } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import type { FunctionDefinition } from '../../../src/registration/definition';
import { definitionFromRegistration } from '../../../src/registration/from-core';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, {});
const silent = parseHostJson({ version: '2.0' });
const explicit = (format: string) =>
  parseHostJson({ version: '2.0', extensions: { redis: { triggerValueFormat: format } } });

/** One function of each trigger type, declared in the given programming model. */
function functions(model: 'v3' | 'v4'): FunctionDefinition[] {
  const triggers: Record<string, Record<string, unknown>> = {
    pubsub: { type: 'redisPubSubTrigger', connection: 'R', channel: 'orders:*' },
    list: { type: 'redisListTrigger', connection: 'R', key: 'jobs' },
    stream: { type: 'redisStreamTrigger', connection: 'R', key: 'events' },
  };
  return Object.entries(triggers).map(([name, options]) => {
    const v4 = definitionFromRegistration(
      { name, options: { trigger: trigger.generic(options as never), handler: () => undefined } },
      'test.js',
    );
    return model === 'v3' ? { ...v4, programmingModel: 'v3' } : v4;
  });
}

function optionsOf(model: 'v3' | 'v4', host = silent): Record<string, Record<string, unknown>> {
  const resolved = resolveFunctions(functions(model), settings, host);
  return Object.fromEntries(resolved.map((f) => [f.name, f.options as unknown as Record<string, unknown>]));
}

describe('the value shape and defaults of each function', () => {
  it('host.json silent: function.json (v3) functions get the 1.x shapes and defaults', () => {
    const o = optionsOf('v3');
    expect(o['pubsub']).toMatchObject({ valueFormat: 'v1', pattern: false, channel: 'orders:*' });
    expect(o['list']).toMatchObject({ valueFormat: 'v1', batchSize: 16, pollingIntervalInMs: 1000 });
    expect(o['stream']).toMatchObject({ valueFormat: 'v1', batchSize: 16, pollingIntervalInMs: 1000 });
  });

  it('host.json silent: app.generic and decorated (v4) functions keep messageModel and its defaults', () => {
    const o = optionsOf('v4');
    expect(o['pubsub']).toMatchObject({ valueFormat: 'messageModel', pattern: true });
    expect(o['list']).toMatchObject({
      valueFormat: 'messageModel',
      batchSize: 10,
      pollingIntervalInMs: 1000,
    });
    expect(o['stream']).toMatchObject({ valueFormat: 'messageModel', batchSize: 10 });
  });

  it('an explicit triggerValueFormat wins for every model, defaults following it', () => {
    for (const model of ['v3', 'v4'] as const) {
      const v1 = optionsOf(model, explicit('v1'));
      expect(v1['pubsub']).toMatchObject({ valueFormat: 'v1', pattern: false });
      expect(v1['list']).toMatchObject({ valueFormat: 'v1', batchSize: 16 });
      expect(v1['stream']).toMatchObject({ valueFormat: 'v1', batchSize: 16 });
      const model1 = optionsOf(model, explicit('MessageModel'));
      expect(model1['pubsub']).toMatchObject({ valueFormat: 'messageModel', pattern: true });
      expect(model1['list']).toMatchObject({ valueFormat: 'messageModel', batchSize: 10 });
    }
  });

  it('options the function sets win over either mode’s defaults', () => {
    const defs = functions('v3').map((d) => ({
      ...d,
      trigger: { ...d.trigger, pattern: true, maxBatchSize: 3, pollingIntervalInMs: 50 },
    }));
    const [pubsub, list, stream] = resolveFunctions(defs, settings, silent);
    expect(pubsub?.options).toMatchObject({ pattern: true });
    expect(list?.options).toMatchObject({ batchSize: 3, pollingIntervalInMs: 50 });
    expect(stream?.options).toMatchObject({ batchSize: 3, pollingIntervalInMs: 50 });
  });

  it('valueFormatOf: host.json first, then the programming model', () => {
    expect(silent.triggerValueFormat).toBeUndefined();
    expect(valueFormatOf(silent, 'v3')).toBe('v1');
    expect(valueFormatOf(silent, 'v4')).toBe('messageModel');
    expect(valueFormatOf(silent, undefined)).toBe('messageModel');
    expect(valueFormatOf(explicit('v1'), 'v4')).toBe('v1');
    expect(valueFormatOf(explicit('messageModel'), 'v3')).toBe('messageModel');
  });
});
