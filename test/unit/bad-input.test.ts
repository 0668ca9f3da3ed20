import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { trigger } from '@azure/functions';
import { resolveFunctions } from '../../src/config/app-config';
import { loadHostJson, parseHostJson } from '../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS, loadLocalSettings, parseLocalSettings } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { ConfigError, ErrorCodes, type ErrorCode } from '../../src/errors';
import { parseConnectionString } from '../../src/redis/connection-string';
import { definitionFromRegistration } from '../../src/registration/from-core';
import { loadFunctionJsonApp } from '../../src/registration/function-json';
import { validateNames } from '../../src/registration/loader';

/**
 * One row per malformed input: what is fed in, the exact error code, and words the message must contain
 * (naming the file / function and the field).
 */
const host = parseHostJson({ version: '2.0' });
const settings = new Settings(EMPTY_LOCAL_SETTINGS, { R: 'localhost:6379' });
const scratch = path.join(__dirname, '..', '..', '.redis-func');

function dir(files: Record<string, string>): string {
  mkdirSync(scratch, { recursive: true });
  const root = mkdtempSync(path.join(scratch, 'bad-input-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

function fn(name: string, options: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return definitionFromRegistration(
    { name, options: { trigger: trigger.generic(options as never), handler: () => undefined, ...extra } },
    'app.js',
  );
}

const pubsub = (o: Record<string, unknown> = {}) => ({
  type: 'redisPubSubTrigger',
  connection: 'R',
  channel: 'c',
  ...o,
});
const resolve =
  (...defs: ReturnType<typeof fn>[]) =>
  (): unknown =>
    resolveFunctions(defs, settings, host);
const fnJson =
  (json: unknown, script = 'module.exports = async function () {};') =>
  (): unknown =>
    loadFunctionJsonApp(
      dir({
        'F/function.json': typeof json === 'string' ? json : JSON.stringify(json),
        'F/index.js': script,
      }),
    );
const trig = { type: 'redisPubSubTrigger', connection: 'R', channel: 'c', name: 'm', direction: 'in' };

const cases: [string, () => unknown, ErrorCode, string[]][] = [
  // host.json
  ['host.json missing', () => loadHostJson(dir({})), ErrorCodes.HOST_JSON_MISSING, ['host.json']],
  [
    'host.json not JSON',
    () => loadHostJson(dir({ 'host.json': '{ "version": ' })),
    ErrorCodes.HOST_JSON_INVALID,
    ['not valid JSON'],
  ],
  [
    'host.json an array',
    () => loadHostJson(dir({ 'host.json': '[]' })),
    ErrorCodes.HOST_JSON_INVALID,
    ['JSON object'],
  ],
  [
    'host.json without version',
    () => parseHostJson({}),
    ErrorCodes.HOST_JSON_INVALID,
    ['"version"', '"2.0"'],
  ],
  [
    'host.json version 1.0',
    () => parseHostJson({ version: '1.0' }),
    ErrorCodes.HOST_JSON_INVALID,
    ['"version"'],
  ],
  [
    'functionTimeout not a duration',
    () => parseHostJson({ version: '2.0', functionTimeout: 'ten' }),
    ErrorCodes.HOST_JSON_INVALID,
    ['"functionTimeout"'],
  ],
  [
    'functionTimeout zero',
    () => parseHostJson({ version: '2.0', functionTimeout: '00:00:00' }),
    ErrorCodes.HOST_JSON_INVALID,
    ['"functionTimeout"'],
  ],
  [
    'unknown log level',
    () => parseHostJson({ version: '2.0', logging: { logLevel: { default: 'Chatty' } } }),
    ErrorCodes.HOST_JSON_INVALID,
    ['logging.logLevel.default'],
  ],
  [
    'retry without strategy',
    () => parseHostJson({ version: '2.0', retry: { maxRetryCount: 1 } }),
    ErrorCodes.HOST_JSON_INVALID,
    ['retry.strategy'],
  ],
  [
    'triggerValueFormat unknown',
    () => parseHostJson({ version: '2.0', extensions: { redis: { triggerValueFormat: 'v9' } } }),
    ErrorCodes.HOST_JSON_INVALID,
    ['triggerValueFormat'],
  ],
  // local.settings.json
  [
    'local.settings encrypted',
    () => parseLocalSettings({ IsEncrypted: true }),
    ErrorCodes.LOCAL_SETTINGS_ENCRYPTED,
    ['IsEncrypted'],
  ],
  [
    'local.settings not JSON',
    () => loadLocalSettings(dir({ 'local.settings.json': '{,}' })),
    ErrorCodes.LOCAL_SETTINGS_INVALID,
    ['not valid JSON'],
  ],
  [
    'Values not an object',
    () => parseLocalSettings({ Values: 'x' }),
    ErrorCodes.LOCAL_SETTINGS_INVALID,
    ['"Values"'],
  ],
  [
    'a Value that is an object',
    () => parseLocalSettings({ Values: { A: {} } }),
    ErrorCodes.LOCAL_SETTINGS_INVALID,
    ['"Values.A"'],
  ],
  [
    'LocalHttpPort not a port',
    () => parseLocalSettings({ Host: { LocalHttpPort: 'abc' } }),
    ErrorCodes.LOCAL_SETTINGS_INVALID,
    ['Host.LocalHttpPort'],
  ],
  // bindings (v4 registrations)
  [
    'unknown trigger type',
    resolve(fn('f', { type: 'queueTrigger' })),
    ErrorCodes.TRIGGER_TYPE_UNKNOWN,
    ["'f'", 'queueTrigger'],
  ],
  [
    'pub/sub without channel',
    resolve(fn('f', pubsub({ channel: undefined }))),
    ErrorCodes.BINDING_INVALID,
    ["'f'", '"channel" is required'],
  ],
  [
    'pub/sub without connection',
    resolve(fn('f', pubsub({ connection: undefined }))),
    ErrorCodes.BINDING_INVALID,
    ['"connection" is required'],
  ],
  [
    'pub/sub empty channel',
    resolve(fn('f', pubsub({ channel: '  ' }))),
    ErrorCodes.BINDING_INVALID,
    ['"channel" must not be empty'],
  ],
  [
    'pattern not a boolean',
    resolve(fn('f', pubsub({ pattern: 'yes' }))),
    ErrorCodes.BINDING_INVALID,
    ['"pattern" must be true or false'],
  ],
  [
    'sharded with a pattern',
    resolve(fn('f', pubsub({ sharded: true, pattern: true }))),
    ErrorCodes.BINDING_INVALID,
    ["'f'", '"sharded"', 'cannot be combined with pattern: true'],
  ],
  [
    'sharded keyspace channel',
    resolve(fn('f', pubsub({ sharded: true, channel: '__keyspace@0__:jobs' }))),
    ErrorCodes.BINDING_INVALID,
    ['"sharded"', 'keyspace notifications'],
  ],
  [
    'sharded not a boolean',
    resolve(fn('f', pubsub({ sharded: 'on' }))),
    ErrorCodes.BINDING_INVALID,
    ['"sharded" must be true or false'],
  ],
  [
    'channel a number',
    resolve(fn('f', pubsub({ channel: 42 }))),
    ErrorCodes.BINDING_INVALID,
    ['"channel" must be a string'],
  ],
  [
    '%Setting% not set',
    resolve(fn('f', pubsub({ channel: '%Nope%' }))),
    ErrorCodes.SETTING_MISSING,
    ["'%Nope%'"],
  ],
  [
    'non-redis extra binding',
    resolve(fn('f', pubsub(), { extraOutputs: [{ type: 'queue', name: 'q' }] })),
    ErrorCodes.BINDING_INVALID,
    ["'q'", "'queue'"],
  ],
  [
    'input binding with an unknown expression',
    resolve(
      fn('f', pubsub(), {
        extraInputs: [{ type: 'redis', name: 'v', connection: 'R', command: 'GET {Key}' }],
      }),
    ),
    ErrorCodes.BINDING_INVALID,
    ['{Key}', '{Channel}'],
  ],
  [
    'output binding without command',
    resolve(fn('f', pubsub(), { return: { type: 'redis', name: '$return', connection: 'R' } })),
    ErrorCodes.BINDING_INVALID,
    ['"command" is required'],
  ],
  [
    'bad retry on a function',
    resolve(fn('f', pubsub(), { retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 'x' } })),
    ErrorCodes.BINDING_INVALID,
    ['retry.delayInterval'],
  ],
  [
    'function name starting with a digit',
    () => validateNames([fn('1f', pubsub())]),
    ErrorCodes.FUNCTION_NAME_INVALID,
    ["'1f'"],
  ],
  [
    'function name with a dot',
    () => validateNames([fn('a.b', pubsub())]),
    ErrorCodes.FUNCTION_NAME_INVALID,
    ["'a.b'"],
  ],
  [
    'duplicate function names',
    () => validateNames([fn('same', pubsub()), fn('Same', pubsub())]),
    ErrorCodes.FUNCTION_NAME_DUPLICATE,
    ["'Same'"],
  ],
  // function.json
  [
    'function.json not JSON',
    fnJson('{ bindings: '),
    ErrorCodes.BINDING_INVALID,
    ['F/function.json', 'not valid JSON'],
  ],
  ['function.json without bindings', fnJson({}), ErrorCodes.BINDING_INVALID, ['"bindings"']],
  [
    'function.json binding with a bad direction',
    fnJson({ bindings: [{ ...trig, direction: 'sideways' }] }),
    ErrorCodes.BINDING_INVALID,
    ['bindings[0].direction'],
  ],
  [
    'function.json with two triggers',
    fnJson({ bindings: [trig, { ...trig, name: 'n' }] }),
    ErrorCodes.BINDING_INVALID,
    ['exactly one trigger'],
  ],
  [
    'function.json whose script exports no function',
    fnJson({ bindings: [trig] }, 'module.exports = 5;'),
    ErrorCodes.BINDING_INVALID,
    ['must export a function'],
  ],
  [
    'function.json entryPoint missing',
    fnJson({ bindings: [trig], entryPoint: 'nope' }),
    ErrorCodes.BINDING_INVALID,
    ["'nope'"],
  ],
  [
    'function.json script that throws',
    fnJson({ bindings: [trig] }, 'throw new Error("broken at load")'),
    ErrorCodes.ENTRY_FILE_FAILED,
    ['broken at load'],
  ],
  // connection strings
  [
    'connection string garbage',
    () => parseConnectionString(',,,', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ["'R'", 'names no host'],
  ],
  [
    'connection string bad port',
    () => parseConnectionString('host:0', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ['port "0"'],
  ],
  [
    'connection string unknown option',
    () => parseConnectionString('host,colour=blue', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ['unknown option "colour"'],
  ],
  [
    'connection string bad ssl',
    () => parseConnectionString('host,ssl=sure', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ['ssl must be true or false'],
  ],
  [
    'connection URL bad database',
    () => parseConnectionString('redis://h/x', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ['database "x"'],
  ],
  [
    'connection URL unparsable',
    () => parseConnectionString('redis://', 'R'),
    ErrorCodes.CONNECTION_STRING_INVALID,
    ["'R'"],
  ],
];

describe('bad input is refused with a stable code and a message naming what is wrong', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', (_name, act, code, words) => {
    let caught: unknown;
    try {
      act();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe(code);
    for (const word of words) expect((caught as ConfigError).message).toContain(word);
    expect((caught as ConfigError).isUserError).toBe(true);
  });
});
