import { parseHostJson, valueFormatOf, type HostConfig } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { BindingOptions } from '../../../src/triggers/binding-options';
import { findTrigger } from '../../../src/triggers/registry';
import { streamTrigger, STREAM_DEFAULTS, type StreamTriggerOptions } from '../../../src/triggers/stream';
import { blockMs, reclaimEveryMs } from '../../../src/triggers/stream-listener';
import { nextId, versionAtLeast } from '../../../src/redis/redis-stream-port';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, { OrdersStream: 'orders', AuditStream: 'audit' });
const plainHost = parseHostJson({ version: '2.0' });

function parse(
  options: Record<string, unknown>,
  host: HostConfig = plainHost,
  model: 'v3' | 'v4' = 'v4',
): StreamTriggerOptions {
  const binding = new BindingOptions(
    'fn',
    { name: 'entry', type: 'redisStreamTrigger', direction: 'in', ...options },
    settings,
    'test.js',
  );
  return streamTrigger.parseOptions(binding, host, valueFormatOf(host, model));
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

describe('redisStreamTrigger options', () => {
  it('is registered under its binding type, case-insensitively', () => {
    expect(findTrigger('RedisStreamTrigger')).toBe(streamTrigger);
  });

  it('applies the documented defaults', () => {
    expect(parse({ connection: 'Redis', key: 's' })).toEqual({
      connection: 'Redis',
      keys: ['s'],
      pollingIntervalInMs: 1000,
      batchSize: 10,
      consumerGroup: 'fn', // the function's name, as in Azure
      deleteAfterProcess: false,
      messagesPerWorker: undefined, // unset: the batch size divides the backlog, as in 1.x
      reclaimIdleMs: 60_000,
      mode: 'polling',
      cardinality: 'one',
      concurrency: 10,
      valueFormat: 'messageModel',
      deadLetterKey: '{key}:deadletter',
    });
    expect(STREAM_DEFAULTS.reclaimIdleMs).toBe(60_000);
    expect(parse({ connection: 'Redis', key: 's', deadLetter: false }).deadLetterKey).toBeUndefined();
    expect(parse({ connection: 'Redis', key: 's', deadLetterKey: 'dlq:{key}' }).deadLetterKey).toBe(
      'dlq:{key}',
    );
  });

  it('reads preview names case-insensitively, space-delimited keys and %Setting% in each', () => {
    const o = parse({
      ConnectionStringSetting: 'Redis',
      Keys: '%OrdersStream% %AuditStream%  extra',
      PollingIntervalInMs: '250',
      BatchSize: 50,
      ConsumerGroup: 'workers',
      DeleteAfterProcess: 'true',
      MessagesPerWorker: 7,
    });
    expect(o).toMatchObject({
      connection: 'Redis',
      keys: ['orders', 'audit', 'extra'],
      pollingIntervalInMs: 250,
      batchSize: 50,
      consumerGroup: 'workers',
      deleteAfterProcess: true,
      messagesPerWorker: 7,
    });
  });

  it('reads 1.x names and the redis-func additions', () => {
    const o = parse({
      connection: 'Redis',
      key: 'k',
      maxBatchSize: 16,
      reclaimIdleMs: 500,
      mode: 'Blocking',
      cardinality: 'many',
      concurrency: 4,
    });
    expect(o).toMatchObject({
      keys: ['k'],
      batchSize: 16,
      reclaimIdleMs: 500,
      mode: 'blocking',
      cardinality: 'many',
      concurrency: 4,
    });
  });

  it('takes mode and reclaimIdleMs from host.json unless the function sets them', () => {
    const host = parseHostJson({
      version: '2.0',
      extensions: { redis: { streams: { mode: 'blocking', reclaimIdleMs: 1234 } } },
    });
    expect(parse({ connection: 'R', key: 'k' }, host)).toMatchObject({
      mode: 'blocking',
      reclaimIdleMs: 1234,
    });
    expect(parse({ connection: 'R', key: 'k', mode: 'polling', reclaimIdleMs: 9 }, host)).toMatchObject({
      mode: 'polling',
      reclaimIdleMs: 9,
    });
    const upper = parseHostJson({ version: '2.0', extensions: { redis: { reclaimIdleMs: 777 } } });
    expect(parse({ connection: 'R', key: 'k' }, upper).reclaimIdleMs).toBe(777);
  });

  it.each([
    [{ key: 'k' }, 'option "connection" is required'],
    [{ connection: 'R' }, 'option "keys" is required'],
    [{ connection: 'R', keys: '   ' }, 'option "keys" must not be empty'],
    [{ connection: 'R', keys: 'a a' }, 'option "keys" names a key twice'],
    [{ connection: 'R', key: '%Nope%' }, "'%Nope%', which is not set"],
    [{ connection: 'R', key: 'k', batchSize: 0 }, 'option "batchSize" must be a whole number >= 1'],
    [{ connection: 'R', key: 'k', maxBatchSize: 'x' }, 'option "maxBatchSize" must be a whole number'],
    [{ connection: 'R', key: 'k', pollingIntervalInMs: -1 }, 'option "pollingIntervalInMs"'],
    [
      { connection: 'R', key: 'k', deleteAfterProcess: 'yes' },
      'option "deleteAfterProcess" must be true or false',
    ],
    [{ connection: 'R', key: 'k', reclaimIdleMs: 1.5 }, 'option "reclaimIdleMs" must be a whole number'],
    [{ connection: 'R', key: 'k', mode: 'push' }, 'option "mode" must be one of polling, blocking'],
    [{ connection: 'R', key: 'k', cardinality: 'all' }, 'option "cardinality" must be one of one, many'],
    [{ connection: 'R', key: 'k', concurrency: 0 }, 'option "concurrency" must be a whole number >= 1'],
    [{ connection: 'R', key: 'k', consumerGroup: '' }, 'option "consumerGroup" must not be empty'],
  ])('refuses %j naming function and option', (options, message) => {
    const error = errorOf(() => parse(options));
    expect(error.message).toContain(message);
    if (error.code === ErrorCodes.BINDING_INVALID) expect(error.message).toContain("Function 'fn' (test.js)");
  });

  it.each([
    [{ streams: { mode: 'fast' } }, 'extensions.redis.streams.mode'],
    [{ streams: 'blocking' }, 'extensions.redis.streams'],
    [{ streams: { reclaimIdleMs: 0 } }, 'extensions.redis.streams.reclaimIdleMs'],
    [{ reclaimIdleMs: '1s' }, 'extensions.redis.reclaimIdleMs'],
  ])('refuses host.json extensions.redis %j', (redis, field) => {
    const host = parseHostJson({ version: '2.0', extensions: { redis } });
    const error = errorOf(() => parse({ connection: 'R', key: 'k' }, host));
    expect(error.code).toBe(ErrorCodes.HOST_JSON_INVALID);
    expect(error.field).toBe(field);
  });

  it('builds a manual run from a JSON object or a plain message', () => {
    const o = parse({ connection: 'R', key: 'k' });
    const run = streamTrigger.manualInput(o, '{"f":"v","n":1}');
    expect(run.input).toEqual({ Trigger: 'k', Message: '{"f":"v","n":"1"}' });
    expect(run.triggerMetadata).toMatchObject({ Key: 'k', Values: { f: 'v', n: '1' } });
    expect(streamTrigger.manualInput(o, 'hello').input).toEqual({
      Trigger: 'k',
      Message: '{"message":"hello"}',
    });
    const many = streamTrigger.manualInput(parse({ connection: 'R', key: 'k', cardinality: 'many' }), 'x');
    expect(many.input).toEqual([{ Trigger: 'k', Message: '{"message":"x"}' }]);
    expect(many.triggerMetadata).toMatchObject({ Key: 'k', Count: 1 });
  });

  it('hands the 1.x { Id, Values } shape with triggerValueFormat v1', () => {
    const host = parseHostJson({ version: '2.0', extensions: { redis: { triggerValueFormat: 'v1' } } });
    const run = streamTrigger.manualInput(parse({ connection: 'R', key: 'k' }, host), '{"a":"b"}');
    expect(run.input).toEqual({ Id: expect.stringMatching(/^\d+-0$/), Values: { a: 'b' } });
  });
});

describe('stream helpers', () => {
  it('looks for idle entries every reclaimIdleMs / 2 (10 ms to 30 s) and blocks at most 5 s', () => {
    expect(reclaimEveryMs(60_000)).toBe(30_000);
    expect(reclaimEveryMs(100)).toBe(50);
    expect(reclaimEveryMs(1)).toBe(10);
    expect(reclaimEveryMs(600_000)).toBe(30_000);
    expect(blockMs(60_000)).toBe(5000);
    expect(blockMs(200)).toBe(100);
  });

  it('computes the next stream id and compares server versions', () => {
    expect(nextId('1700000000000-0')).toBe('1700000000000-1');
    expect(nextId('5-18446744073709551614')).toBe('5-18446744073709551615');
    expect(versionAtLeast('6.2.0', 6, 2)).toBe(true);
    expect(versionAtLeast('7.0.15', 6, 2)).toBe(true);
    expect(versionAtLeast('6.0.16', 6, 2)).toBe(false);
    expect(versionAtLeast('5.0.7', 6, 2)).toBe(false);
  });
});
