import { InvocationContext, input, type LogLevel } from '@azure/functions';
import { RedisInvocationContext, invocationSignal } from '../../../src/invoke/abort-signal';

describe('RedisInvocationContext', () => {
  const make = (logs: [LogLevel, unknown[]][] = []) =>
    new RedisInvocationContext({
      invocationId: 'id-1',
      functionName: 'f',
      triggerMetadata: { Key: 'k' },
      retryContext: { retryCount: 1, maxRetryCount: 3 },
      logHandler: (level, ...args) => logs.push([level, args]),
    });

  it('is an InvocationContext of @azure/functions with its members and defaults', () => {
    const context = make();
    expect(context).toBeInstanceOf(InvocationContext);
    expect(context).toMatchObject({
      invocationId: 'id-1',
      functionName: 'f',
      triggerMetadata: { Key: 'k' },
      retryContext: { retryCount: 1, maxRetryCount: 3 },
      options: { trigger: { name: 'unknown', type: 'unknown' }, extraInputs: [], extraOutputs: [] },
    });
    const bare = new RedisInvocationContext({ logHandler: () => undefined });
    const library = new InvocationContext({});
    expect([bare.invocationId, bare.functionName, bare.options]).toEqual([
      library.invocationId,
      library.functionName,
      library.options,
    ]);
  });

  it('routes each log method to its level, with all arguments', () => {
    const logs: [LogLevel, unknown[]][] = [];
    const context = make(logs);
    context.log('a', 1);
    context.trace('b');
    context.debug('c');
    context.info('d');
    context.warn('e');
    context.error('f', { x: 1 });
    expect(logs).toEqual([
      ['information', ['a', 1]],
      ['trace', ['b']],
      ['debug', ['c']],
      ['information', ['d']],
      ['warning', ['e']],
      ['error', ['f', { x: 1 }]],
    ]);
  });

  it('keeps extra inputs and outputs by name or by binding, per context', () => {
    const context = make();
    const binding = input.generic({ type: 'redis', name: 'cached' });
    context.extraInputs.set(binding, 'v1');
    context.extraOutputs.set('out', 'v2');
    expect(context.extraInputs.get('cached')).toBe('v1');
    expect(context.extraOutputs.get({ name: 'out', type: 'redis' })).toBe('v2');
    expect(make().extraInputs.get('cached')).toBeUndefined();
  });

  it('aborts its signal with the reason, whether asked for before or after', () => {
    const early = make();
    const signal = invocationSignal(early);
    early.abortWith(new Error('timed out'));
    expect(signal.aborted).toBe(true);
    const late = make();
    late.abortWith('late');
    expect(invocationSignal(late).reason).toBe('late');
  });

  it('makes a lazily given invocation id text only when read, and lets it be set', () => {
    let reads = 0;
    const context = new RedisInvocationContext({
      id: {
        get value() {
          reads++;
          return 'made-late';
        },
      },
      logHandler: () => undefined,
    });
    expect(reads).toBe(0);
    expect([context.invocationId, context.invocationId, reads]).toEqual(['made-late', 'made-late', 1]);
    context.invocationId = 'set';
    expect(context.invocationId).toBe('set');
  });
});
