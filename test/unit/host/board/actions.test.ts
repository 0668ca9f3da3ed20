import { parseHostJson } from '../../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../../src/config/local-settings';
import { Settings } from '../../../../src/config/settings';
import { channelFor, keyFor, queueEnd, sendCommandFor } from '../../../../src/host/board/actions';
import { deadLetterPlace } from '../../../../src/host/board/dead-letters';
import { BindingOptions } from '../../../../src/triggers/binding-options';
import { findTrigger } from '../../../../src/triggers/registry';
import type { PubSubTriggerOptions } from '../../../../src/triggers/pubsub';
import type { ResolvedFunction } from '../../../../src/triggers/trigger';

const host = parseHostJson({ version: '2.0' });
const settings = new Settings(EMPTY_LOCAL_SETTINGS, {});

/** A function with a trigger of `type` and these binding options, parsed as the host parses them. */
function fn(type: string, options: Record<string, unknown>): ResolvedFunction {
  const spec = findTrigger(type);
  if (!spec) throw new Error(type);
  const binding = new BindingOptions(
    'fn',
    { name: 'm', type, direction: 'in', connection: 'Redis', ...options },
    settings,
    'test.js',
  );
  const parsed = spec.parseOptions(binding, host, 'messageModel');
  return { name: 'fn', triggerType: type, options: parsed } as unknown as ResolvedFunction;
}

describe('queueEnd', () => {
  it('pushes to the end the trigger reaches last', () => {
    expect(queueEnd('left')).toBe('right');
    expect(queueEnd('right')).toBe('left');
  });
});

describe('channelFor', () => {
  const pattern = fn('redisPubSubTrigger', { channel: 'orders:*' }).options as PubSubTriggerOptions;
  const exact = fn('redisPubSubTrigger', { channel: 'orders:[1]', pattern: false })
    .options as PubSubTriggerOptions;

  it('needs a channel that the pattern matches, as Redis matches it', () => {
    expect(channelFor(pattern, 'orders:eu')).toEqual({ value: 'orders:eu' });
    expect(channelFor(pattern, undefined)).toEqual({
      error: expect.stringContaining('"channel" is required') as string,
    });
    expect(channelFor(pattern, 'invoices:eu')).toEqual({
      error: expect.stringContaining('does not match') as string,
    });
    expect(channelFor(pattern, 7)).toEqual({ error: '"channel" must be a string.' });
    const literal = fn('redisPubSubTrigger', { channel: 'orders' }).options as PubSubTriggerOptions;
    expect(literal.pattern).toBe(true);
    expect(channelFor(literal, undefined)).toEqual({ value: 'orders' }); // a pattern without wildcards
    expect(channelFor(literal, 'orders:1')).toEqual({
      error: expect.stringContaining('does not match') as string,
    });
  });

  it('publishes to an exact channel literally, and refuses another one', () => {
    expect(channelFor(exact, undefined)).toEqual({ value: 'orders:[1]' });
    expect(channelFor(exact, 'orders:[1]')).toEqual({ value: 'orders:[1]' });
    expect(channelFor(exact, 'orders:1')).toEqual({
      error: expect.stringContaining('is not the function') as string,
    });
  });
});

describe('keyFor', () => {
  it("defaults to the first key and takes only the function's keys", () => {
    expect(keyFor(['a', 'b'], undefined)).toEqual({ value: 'a' });
    expect(keyFor(['a', 'b'], 'b')).toEqual({ value: 'b' });
    expect(keyFor(['a', 'b'], 'c')).toEqual({
      error: `"key" 'c' is not a key of the function (its keys: 'a', 'b').`,
    });
  });
});

describe('sendCommandFor', () => {
  it('picks SPUBLISH for a sharded channel', () => {
    const sharded = fn('redisPubSubTrigger', { channel: 'shard', sharded: true });
    expect(sendCommandFor(sharded, { message: 'hi' })).toEqual({
      command: 'SPUBLISH',
      target: 'shard',
      args: ['SPUBLISH', 'shard', 'hi'],
    });
  });

  it('queues a list message behind the waiting ones: LPUSH when the trigger pops from the end', () => {
    const fromEnd = fn('redisListTrigger', { keys: 'jobs', listPopFromBeginning: false });
    expect(sendCommandFor(fromEnd, { message: 'm' })).toMatchObject({ command: 'LPUSH', target: 'jobs' });
    expect(sendCommandFor(fromEnd, { message: 'm', end: 'right' })).toMatchObject({ command: 'RPUSH' });
    expect(sendCommandFor(fromEnd, { message: 3 })).toBe(
      '"message" must be a string, e.g. {"message": "hello"}.',
    );
  });

  it('turns stream fields into XADD arguments, numbers and booleans as text', () => {
    const stream = fn('redisStreamTrigger', { keys: 's1 s2' });
    expect(sendCommandFor(stream, { fields: { a: '1', n: 2, ok: true }, key: 's2' })).toEqual({
      command: 'XADD',
      target: 's2',
      args: ['XADD', 's2', '*', 'a', '1', 'n', '2', 'ok', 'true'],
    });
    expect(sendCommandFor(stream, { fields: ['a'] })).toContain('"fields" must be an object');
  });
});

describe('deadLetterPlace', () => {
  it('has one dead-letter key per source key, from the deadLetterKey template', () => {
    const stream = fn('redisStreamTrigger', { keys: 's1 s2', deadLetterKey: 'dead:{key}' });
    expect(deadLetterPlace(stream)).toMatchObject({ kind: 'stream', keys: ['dead:s1', 'dead:s2'] });
    const shared = fn('redisListTrigger', { keys: 'l1 l2', reliable: true, deadLetterKey: 'all-dead' });
    expect(deadLetterPlace(shared)).toMatchObject({ kind: 'list', keys: ['all-dead'] });
  });

  it('says why a function has none', () => {
    expect(deadLetterPlace(fn('redisPubSubTrigger', { channel: 'c' }))).toContain(
      'Pub/Sub messages are not kept',
    );
    expect(deadLetterPlace(fn('redisListTrigger', { keys: 'l' }))).toContain('reliable: true');
    expect(deadLetterPlace(fn('redisStreamTrigger', { keys: 's', deadLetter: false }))).toContain(
      'deadLetter: false',
    );
  });
});
