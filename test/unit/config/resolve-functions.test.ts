import { app as _app, trigger } from '@azure/functions';
import { resolveFunctions } from '../../../src/config/app-config';
import { parseHostJson } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { validateNames } from '../../../src/registration/loader';
import { definitionFromRegistration } from '../../../src/registration/from-core';

void _app;
const host = parseHostJson({ version: '2.0' });
const settings = new Settings(EMPTY_LOCAL_SETTINGS, {
  OrdersChannel: 'orders:*',
  'AzureWebJobs.off.Disabled': 'true',
});

function define(name: string, options: Record<string, unknown>) {
  return definitionFromRegistration(
    {
      name,
      options: {
        trigger: trigger.generic({ type: 'redisPubSubTrigger', ...options }),
        handler: () => undefined,
      },
    },
    'test.js',
  );
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolving Pub/Sub triggers', () => {
  it('reads preview and 1.x names case-insensitively and resolves %Setting%', () => {
    const [a, b, c] = resolveFunctions(
      [
        define('a', { connection: 'Redis', channel: '%OrdersChannel%' }),
        define('b', { ConnectionStringSetting: 'Redis', Channel: 'x', Pattern: 'false' }),
        define('c', { connection: 'Redis', channel: 'shard:1', Sharded: 'TRUE' }),
      ],
      settings,
      host,
    );
    expect(a?.options).toEqual({
      connection: 'Redis',
      channel: 'orders:*',
      pattern: true,
      sharded: false,
      valueFormat: 'messageModel',
      maxBacklog: 10_000,
      concurrency: 1,
    });
    expect(b?.options).toEqual({
      connection: 'Redis',
      channel: 'x',
      pattern: false,
      sharded: false,
      valueFormat: 'messageModel',
      maxBacklog: 10_000,
      concurrency: 1,
    });
    // Sharded channels are exact: pattern defaults to false with sharded: true.
    expect(c?.options).toMatchObject({ channel: 'shard:1', pattern: false, sharded: true });
  });

  it('marks disabled functions and filters with --functions', () => {
    const defs = [
      define('on', { connection: 'R', channel: 'c' }),
      define('off', { connection: 'R', channel: 'c' }),
    ];
    expect(resolveFunctions(defs, settings, host).map((f) => [f.name, f.disabled])).toEqual([
      ['on', false],
      ['off', true],
    ]);
    expect(resolveFunctions(defs, settings, host, ['ON']).map((f) => f.name)).toEqual(['on']);
    expect(errorOf(() => resolveFunctions(defs, settings, host, ['nope'])).code).toBe(
      ErrorCodes.FUNCTION_UNKNOWN,
    );
  });

  it.each([
    [{ connection: 'R' }, 'channel', 'is required'],
    [{ channel: 'c' }, 'connection', 'is required'],
    [{ connection: 'R', channel: '' }, 'channel', 'must not be empty'],
    [{ connection: 'R', channel: 'c', pattern: 'sometimes' }, 'pattern', 'must be true or false'],
    [{ connection: 'R', channel: 5 }, 'channel', 'must be a string'],
  ])('refuses %j naming function and option', (options, field, problem) => {
    const error = errorOf(() => resolveFunctions([define('fn1', options)], settings, host));
    expect(error.code).toBe(ErrorCodes.BINDING_INVALID);
    expect(error.message).toContain("Function 'fn1'");
    expect(error.message).toContain(`"${field}" ${problem}`);
  });

  it('refuses an unknown trigger type, a missing setting, bad and duplicate names', () => {
    const unknown = definitionFromRegistration(
      {
        name: 'q',
        options: { trigger: trigger.generic({ type: 'queueTrigger' }), handler: () => undefined },
      },
      'q.js',
    );
    expect(errorOf(() => resolveFunctions([unknown], settings, host)).code).toBe(
      ErrorCodes.TRIGGER_TYPE_UNKNOWN,
    );
    expect(
      errorOf(() => resolveFunctions([define('m', { connection: 'R', channel: '%Nope%' })], settings, host))
        .code,
    ).toBe(ErrorCodes.SETTING_MISSING);
    expect(errorOf(() => validateNames([define('1abc', {})])).code).toBe(ErrorCodes.FUNCTION_NAME_INVALID);
    expect(errorOf(() => validateNames([define('a'.repeat(128), {})])).code).toBe(
      ErrorCodes.FUNCTION_NAME_INVALID,
    );
    expect(errorOf(() => validateNames([define('same', {}), define('SAME', {})])).code).toBe(
      ErrorCodes.FUNCTION_NAME_DUPLICATE,
    );
  });
});
