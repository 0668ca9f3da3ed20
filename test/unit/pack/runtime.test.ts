import { fromV1Value, toV1Output, type ShimSpec } from '../../../src/pack/runtime';
import { toArgumentLists } from '../../../src/invoke/redis-bindings';

const spec = (triggerType: ShimSpec['triggerType'], extra: Partial<ShimSpec> = {}): ShimSpec => ({
  function: 'f',
  triggerType,
  cardinality: 'one',
  ...extra,
});

describe('the shim turns the 1.x values into the local shapes', () => {
  it('Pub/Sub: a JSON string or an object the worker parsed', () => {
    const v1 = { SubscriptionChannel: 'orders:*', Channel: 'orders:created', Message: '{"id":1}' };
    for (const value of [JSON.stringify(v1), v1]) {
      expect(fromV1Value(spec('redisPubSubTrigger'), 'messageModel', value, {})).toEqual({
        input: { Trigger: 'orders:created', Message: '{"id":1}' },
        triggerMetadata: v1,
      });
    }
    expect(fromV1Value(spec('redisPubSubTrigger'), 'v1', v1, {}).input).toEqual(v1);
  });

  it('lists: the element; the packed key (settings from the environment), binding data only when a setting is missing', () => {
    // the worker's binding data may have lost the key's text (it JSON-parses it): the packed key wins
    expect(
      fromV1Value(spec('redisListTrigger', { key: 'jobs' }), 'messageModel', 'job-1', { key: 'other' }),
    ).toEqual({
      input: { Trigger: 'jobs', Message: 'job-1' },
      triggerMetadata: { Key: 'jobs', Value: 'job-1' },
    });
    process.env['ShimTestPrefix'] = '007:';
    try {
      expect(
        fromV1Value(spec('redisListTrigger', { key: '%ShimTestPrefix%jobs' }), 'v1', 'x', {}).triggerMetadata,
      ).toEqual({ Key: '007:jobs', Value: 'x' });
    } finally {
      delete process.env['ShimTestPrefix'];
    }
    expect(
      fromV1Value(spec('redisListTrigger', { key: '%ShimTestMissing%jobs' }), 'v1', 'x', { key: 'p:jobs' })
        .triggerMetadata,
    ).toEqual({ Key: 'p:jobs', Value: 'x' });
    // bytes (dataType binary) are decoded as they are
    expect(
      fromV1Value(spec('redisListTrigger', { key: 'jobs' }), 'v1', Buffer.from('{"id": 7}'), {}).input,
    ).toBe('{"id": 7}');
    // An element the worker JSON-parsed (a folder packed before dataType binary) goes back to its JSON text.
    expect(
      fromV1Value(spec('redisListTrigger', { key: 'jobs' }), 'messageModel', { a: 1 }, undefined).input,
    ).toEqual({
      Trigger: 'jobs',
      Message: '{"a":1}',
    });
    expect(fromV1Value(spec('redisListTrigger', { key: 'jobs' }), 'v1', 'job-1', {}).input).toBe('job-1');
  });

  it('streams: { Id, Values } as the model with the fields as a JSON object; cardinality many gets an array', () => {
    const value = JSON.stringify({ Id: '1-0', Values: { f: 'v' } });
    expect(fromV1Value(spec('redisStreamTrigger', { key: 's' }), 'messageModel', value, {})).toEqual({
      input: { Trigger: 's', Message: '{"f":"v"}' },
      triggerMetadata: { Key: 's', Id: '1-0', Values: { f: 'v' } },
    });
    expect(
      fromV1Value(spec('redisStreamTrigger', { key: 's', cardinality: 'many' }), 'v1', value, {}).input,
    ).toEqual([{ Id: '1-0', Values: { f: 'v' } }]);
  });

  it('refuses a value that is not the 1.x shape', () => {
    expect(() => fromV1Value(spec('redisPubSubTrigger'), 'messageModel', 'not json', {})).toThrow(/not JSON/);
  });
});

describe('outputs in the 1.x form', () => {
  it('a string per command, an array of them for several commands', () => {
    expect(toV1Output('k v', 'o')).toBe('k v');
    expect(toV1Output(['k', 'v'], 'o')).toBe('k v');
    expect(
      toV1Output(
        [
          ['a', '1'],
          ['b', 2],
        ],
        'o',
      ),
    ).toEqual(['a 1', 'b 2']);
    expect(toV1Output(undefined, 'o')).toBeUndefined();
    expect(() => toV1Output(['k', 'two words'], 'o')).toThrow(/whitespace/);
  });

  it('redis-func runs a function.json output array as several commands under v1, as the 1.x collector does', () => {
    expect(toArgumentLists(['a 1', 'b 2'], 'o', true)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(toArgumentLists('a 1', 'o', true)).toEqual([['a', '1']]);
    // otherwise (issue #6): an array of strings is one command's arguments, which may contain spaces
    expect(toArgumentLists(['k', 'two words'], 'o')).toEqual([['k', 'two words']]);
  });
});
