import { format } from 'node:util';
import { trigger, type InvocationContext } from '@azure/functions';
import { createTestHost } from '../../../src/testing';

/** What handlers pass to context.log: each call's text must be util.format's, as in @azure/functions. */
const CALLS: unknown[][] = [
  ['one string'],
  ['two', 'strings'],
  ['three', '', 'strings'],
  ['with %s directive', 'x'],
  ['100%', 'sure'],
  ['a number', 42],
  ['an object', { a: 1 }],
  [{ first: 'object' }, 'then text'],
  [],
  ['trailing', undefined],
  ['%d%%', 5, 'extra'],
];

describe('context.log line text', () => {
  it('is what util.format makes of the arguments, and each record keeps its lines', async () => {
    const host = await createTestHost({
      functions: [
        {
          name: 'logs',
          options: {
            trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'R', channel: 'c' }),
            handler: (_m: unknown, context: InvocationContext) => {
              for (const args of CALLS) context.log(...args);
              context.warn('a', 'warning');
            },
          },
        },
      ],
    });
    try {
      await host.publish('c', 'go');
      const [record] = host.invocationsOf('logs');
      expect(record?.logs).toEqual([
        ...CALLS.map((args) => ({ level: 'information', message: format(...args) })),
        { level: 'warning', message: 'a warning' },
      ]);
    } finally {
      await host.close();
    }
  });
});
