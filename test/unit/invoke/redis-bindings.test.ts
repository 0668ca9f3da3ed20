import { InvocationContext } from '@azure/functions';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError } from '../../../src/errors';
import { INPUT_COMMANDS } from '../../../src/invoke/input-commands';
import {
  parseRedisBindings,
  resolveInputs,
  runOutputs,
  toArgumentLists,
  type RedisBinding,
} from '../../../src/invoke/redis-bindings';
import type { BindingDefinition } from '../../../src/registration/definition';
import type { CommandPort } from '../../../src/triggers/ports';

const settings = new Settings(EMPTY_LOCAL_SETTINGS, { Prefix: 'app:' });
const STREAM_METADATA = ['Key', 'Id', 'Values'];

function parse(direction: 'in' | 'out', command: string, collector = false): RedisBinding {
  const binding: BindingDefinition = { name: 'b', type: 'redis', direction, connection: 'R', command };
  const [parsed] = parseRedisBindings(
    'fn',
    'fn/function.json',
    [binding],
    settings,
    STREAM_METADATA,
    collector,
  );
  if (!parsed) throw new Error('no binding');
  return parsed;
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

/** Records the commands a binding sends and answers with `reply`. */
function recorder(reply: unknown = 'v'): { sent: string[][]; commands: () => CommandPort } {
  const sent: string[][] = [];
  const port = { execute: (args: readonly string[]) => (sent.push([...args]), Promise.resolve(reply)) };
  return { sent, commands: () => port };
}

const context = (triggerMetadata: Record<string, unknown>) =>
  new InvocationContext({ invocationId: 'i', functionName: 'OnEntry', triggerMetadata });

describe('redis input bindings: what the 1.x extension accepts', () => {
  it('takes each of its read commands, in capitals', () => {
    expect(INPUT_COMMANDS.size).toBe(35);
    for (const word of INPUT_COMMANDS) expect(parse('in', `${word} k`).command).toBe(`${word} k`);
  });

  it.each(['HGETALL k', 'SET k v', 'get k', 'LRANGE k 0 -1'])(
    'refuses %s with 1.x’s error text',
    (command) => {
      const word = command.split(' ')[0];
      const error = errorOf(() => parse('in', command));
      expect(error.message).toContain(`Command '${word}' not supported for Redis Input Binding.`);
      expect(error.message).toContain("Function 'fn' (fn/function.json)");
    },
  );

  it('fills binding expressions, then splits at each space as 1.x does', async () => {
    const { sent, commands } = recorder();
    const inputs = [
      parse('in', 'GET %Prefix%{Key}'),
      { ...parse('in', 'HGET {Key} {Values.Field}'), name: 'c' },
      { ...parse('in', 'GET {Id}'), name: 'd' },
      { ...parse('in', 'GET {sys.MethodName}'), name: 'e' },
    ];
    const ctx = context({ Key: 'events', Id: 'a b', Values: { field: 'f1' } });
    await resolveInputs(inputs, ctx, commands);
    expect(sent).toEqual([
      ['GET', 'app:events'],
      ['HGET', 'events', 'f1'],
      ['GET', 'a', 'b'], // a value with a space becomes two arguments, as in 1.x
      ['GET', 'OnEntry'],
    ]);
    expect(ctx.extraInputs.get('b')).toBe('v');
  });

  it('checks a command word that comes from an expression when it runs', async () => {
    const binding = parse('in', '{Key} x');
    const { sent, commands } = recorder();
    await expect(resolveInputs([binding], context({ Key: 'DEL' }), commands)).rejects.toThrow(
      "Command 'DEL' not supported for Redis Input Binding.",
    );
    expect(sent).toEqual([]);
  });

  it('refuses an array reply: the input binding takes single values', async () => {
    const { commands } = recorder(['a', 'b']);
    await expect(resolveInputs([parse('in', 'ZDIFF 2 a b')], context({}), commands)).rejects.toThrow(
      /replied with an array/,
    );
  });

  it('names unknown expressions at start-up', () => {
    expect(errorOf(() => parse('in', 'GET {Message}')).message).toContain(
      'uses the binding expression {Message}, which this trigger does not provide',
    );
    expect(errorOf(() => parse('out', '{Nope}')).message).toContain('{Nope}');
  });
});

describe('redis output bindings', () => {
  it('resolve binding expressions in the command (AutoResolve) and settings', async () => {
    const { sent, commands } = recorder('OK');
    const ctx = context({ Key: 'events', Id: '1-0', Values: {} });
    ctx.extraOutputs.set('b', '{Id}');
    const returned = { ...parse('out', '%Prefix%SET {Id}'), name: '$return' };
    await runOutputs([parse('out', 'XDEL {Key}'), returned], ctx, 'v', commands);
    expect(sent).toEqual([
      ['XDEL', 'events', '{Id}'], // the value is not a template
      ['app:SET', '1-0', 'v'],
    ]);
  });

  it('split a value at each space as 1.x splits it; a collector takes several', () => {
    expect(toArgumentLists('k v', 'o')).toEqual([['k', 'v']]);
    expect(toArgumentLists('k  v', 'o')).toEqual([['k', '', 'v']]);
    expect(toArgumentLists('', 'o')).toEqual([]);
    expect(toArgumentLists(['k', 'a b'], 'o')).toEqual([['k', 'a b']]);
    expect(toArgumentLists(['k1 v1', 'k2 v2'], 'o', true)).toEqual([
      ['k1', 'v1'],
      ['k2', 'v2'],
    ]);
  });
});
