import { parseHostJson, valueFormatOf, type HostConfig } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { BindingOptions } from '../../../src/triggers/binding-options';
import { listTrigger, LIST_DEFAULTS, type ListTriggerOptions } from '../../../src/triggers/list';
import { listAliveKey, listOwnersKey, listProcessingKey } from '../../../src/triggers/list-keys';
import { heartbeatEveryMs, popCommandFor } from '../../../src/triggers/list-listener';
import { findTrigger } from '../../../src/triggers/registry';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, { JobsKey: 'jobs', OtherKey: 'other' });
const plainHost = parseHostJson({ version: '2.0' });

function parse(
  options: Record<string, unknown>,
  host: HostConfig = plainHost,
  model: 'v3' | 'v4' = 'v4',
): ListTriggerOptions {
  const binding = new BindingOptions(
    'fn',
    { name: 'job', type: 'redisListTrigger', direction: 'in', ...options },
    settings,
    'test.js',
  );
  return listTrigger.parseOptions(binding, host, valueFormatOf(host, model));
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

describe('redisListTrigger options', () => {
  it('is registered under its binding type, case-insensitively', () => {
    expect(findTrigger('RedisListTrigger')).toBe(listTrigger);
  });

  it('applies the documented defaults, frozen', () => {
    const options = parse({ connection: 'Redis', key: 'jobs' });
    expect(options).toEqual({
      connection: 'Redis',
      keys: ['jobs'],
      pollingIntervalInMs: 1000,
      batchSize: 10,
      direction: 'left',
      messagesPerWorker: undefined, // unset: the batch size divides the backlog, as in 1.x
      mode: 'polling',
      reliable: false,
      heartbeatTimeoutMs: 10_000,
      cardinality: 'one',
      concurrency: 10,
      valueFormat: 'messageModel',
      deadLetterKey: '{key}:deadletter',
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(parse({ connection: 'Redis', key: 'jobs', deadLetter: 'false' }).deadLetterKey).toBeUndefined();
    expect(LIST_DEFAULTS.batchSize).toBe(10);
  });

  it('reads preview names, case-insensitively, with %Setting% keys', () => {
    const options = parse({
      ConnectionStringSetting: 'Redis',
      Keys: '%JobsKey%  %OtherKey% literal',
      PollingIntervalInMs: '50',
      BatchSize: 3,
      ListPopFromBeginning: 'false',
      MessagesPerWorker: 7,
    });
    expect(options).toMatchObject({
      connection: 'Redis',
      keys: ['jobs', 'other', 'literal'],
      pollingIntervalInMs: 50,
      batchSize: 3,
      direction: 'right',
      messagesPerWorker: 7,
    });
  });

  it('reads 1.x names: key, maxBatchSize, listDirection', () => {
    expect(parse({ connection: 'R', key: 'k', maxBatchSize: 16, listDirection: 'RIGHT' })).toMatchObject({
      keys: ['k'],
      batchSize: 16,
      direction: 'right',
    });
    expect(
      parse({ connection: 'R', key: 'k', listDirection: 'left', listPopFromBeginning: true }),
    ).toMatchObject({ direction: 'left' });
  });

  it('reads the local options: mode, reliable, heartbeatTimeoutMs, cardinality, concurrency', () => {
    expect(
      parse({
        connection: 'R',
        key: 'k',
        mode: 'Blocking',
        reliable: true,
        heartbeatTimeoutMs: 500,
        cardinality: 'many',
        concurrency: 2,
      }),
    ).toMatchObject({
      mode: 'blocking',
      reliable: true,
      heartbeatTimeoutMs: 500,
      cardinality: 'many',
      concurrency: 2,
    });
  });

  it('takes mode and heartbeatTimeoutMs from host.json extensions.redis.lists; the binding wins', () => {
    const host = parseHostJson({
      version: '2.0',
      extensions: { redis: { lists: { mode: 'blocking', heartbeatTimeoutMs: 2000 } } },
    });
    expect(parse({ connection: 'R', key: 'k' }, host)).toMatchObject({
      mode: 'blocking',
      heartbeatTimeoutMs: 2000,
    });
    expect(parse({ connection: 'R', key: 'k', mode: 'polling' }, host)).toMatchObject({ mode: 'polling' });
    const v1 = parseHostJson({ version: '2.0', extensions: { redis: { triggerValueFormat: 'v1' } } });
    expect(parse({ connection: 'R', key: 'k' }, v1).valueFormat).toBe('v1');
  });

  it.each([
    [{ key: 'k' }, 'connection', 'is required'],
    [{ connection: 'R' }, 'keys', 'is required'],
    [{ connection: 'R', key: '  ' }, 'key', 'must not be empty'],
    [{ connection: 'R', keys: 'a a' }, 'keys', 'names a key twice'],
    [{ connection: 'R', key: 'k', batchSize: 0 }, 'batchSize', 'must be a whole number >= 1 (found 0)'],
    [{ connection: 'R', key: 'k', maxBatchSize: -3 }, 'maxBatchSize', 'must be a whole number >= 1'],
    [{ connection: 'R', key: 'k', pollingIntervalInMs: 'soon' }, 'pollingIntervalInMs', '(found "soon")'],
    [{ connection: 'R', key: 'k', pollingIntervalInMs: 1.5 }, 'pollingIntervalInMs', 'whole number'],
    [{ connection: 'R', key: 'k', messagesPerWorker: 0 }, 'messagesPerWorker', 'must be a whole number >= 1'],
    [{ connection: 'R', key: 'k', messagesPerWorker: 'many' }, 'messagesPerWorker', '(found "many")'],
    [{ connection: 'R', key: 'k', concurrency: 0 }, 'concurrency', 'must be a whole number >= 1'],
    [{ connection: 'R', key: 'k', heartbeatTimeoutMs: 50 }, 'heartbeatTimeoutMs', '>= 100'],
    [{ connection: 'R', key: 'k', listDirection: 'up' }, 'listDirection', 'must be one of left, right'],
    [{ connection: 'R', key: 'k', listPopFromBeginning: 'yes' }, 'listPopFromBeginning', 'true or false'],
    [
      { connection: 'R', key: 'k', listDirection: 'left', listPopFromBeginning: false },
      'listDirection',
      'give only one',
    ],
    [{ connection: 'R', key: 'k', mode: 'push' }, 'mode', 'must be one of polling, blocking'],
    [{ connection: 'R', key: 'k', reliable: 'maybe' }, 'reliable', 'true or false'],
    [{ connection: 'R', key: 'k', cardinality: 'all' }, 'cardinality', 'must be one of one, many'],
  ])('refuses %j: names the function and option %s', (options, option, problem) => {
    const error = errorOf(() => parse(options));
    expect(error.message).toContain(`Function 'fn'`);
    expect(error.message).toContain(`"${option}"`);
    expect(error.message).toContain(problem);
  });

  it('refuses a key that names an app setting that is not set', () => {
    expect(errorOf(() => parse({ connection: 'R', key: '%Missing%' })).message).toContain(
      "Function 'fn': key refers to the app setting '%Missing%'",
    );
  });

  it('refuses bad host.json lists settings with the file and field', () => {
    const bad = (lists: unknown): ConfigError =>
      errorOf(() =>
        parse(
          { connection: 'R', key: 'k' },
          parseHostJson({ version: '2.0', extensions: { redis: { lists } } }),
        ),
      );
    expect(bad({ mode: 'fast' })).toMatchObject({
      code: ErrorCodes.HOST_JSON_INVALID,
      message: expect.stringContaining('"extensions.redis.lists.mode" must be one of polling, blocking'),
    });
    expect(bad({ heartbeatTimeoutMs: 0 }).message).toContain('extensions.redis.lists.heartbeatTimeoutMs');
    expect(bad('blocking').message).toContain('"extensions.redis.lists" must be an object');
  });

  it('manual input: the model (or an array of one with cardinality many), metadata Key and Value', () => {
    const one = parse({ connection: 'R', keys: 'a b' });
    expect(listTrigger.manualInput(one, 'hello')).toEqual({
      input: { Trigger: 'a', Message: 'hello' },
      triggerMetadata: { Key: 'a', Value: 'hello' },
    });
    const many = parse({ connection: 'R', key: 'a', cardinality: 'many' });
    expect(listTrigger.manualInput(many, 'x').input).toEqual([{ Trigger: 'a', Message: 'x' }]);
    expect(listTrigger.metadataNames).toEqual(['Key', 'Value']);
  });
});

describe('list trigger helpers', () => {
  it('picks the pop by server version', () => {
    expect(popCommandFor('7.2.4')).toBe('lmpop');
    expect(popCommandFor('7.0.0')).toBe('lmpop');
    expect(popCommandFor('6.2.14')).toBe('pop-count');
    expect(popCommandFor('6.0.20')).toBe('pop-one');
    expect(popCommandFor('5.0.7')).toBe('pop-one');
  });

  it('renews the heartbeat three times per timeout', () => {
    expect(heartbeatEveryMs(10_000)).toBe(3333);
    expect(heartbeatEveryMs(60)).toBe(30);
  });

  it('keeps reliable-mode keys in the hash slot of their list', () => {
    expect(listProcessingKey('jobs', 'o1')).toBe('{jobs}:redis-func:processing:o1');
    expect(listOwnersKey('{app}:jobs')).toBe('{app}:jobs:redis-func:owners');
    expect(listAliveKey('a}b', 'o1')).toBe('a}b:redis-func:alive:o1');
  });
});
