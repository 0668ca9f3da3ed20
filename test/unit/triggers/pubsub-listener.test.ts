import pino from 'pino';
import { parseHostJson } from '../../../src/config/host-json';
import { createLogger } from '../../../src/logging';
import { Invoker } from '../../../src/invoke/invoker';
import { PubSubListener, type PubSubTriggerOptions } from '../../../src/triggers/pubsub';
import type { ResolvedFunction } from '../../../src/triggers/trigger';

/**
 * The Pub/Sub listener between a subscription and the invoker: what reporting an invocation throws (an
 * onInvocation callback) is logged, and the next message still runs, whether the handler returned at
 * once or awaited.
 */
function listenerWith(handler: (model: { Message: string }) => unknown) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    json: true,
    destination: { write: (line: string) => !!lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const handled: string[] = [];
  const invoker = new Invoker({
    logger: pino({ level: 'silent' }),
    host: parseHostJson({ version: '2.0' }),
    onInvocation: (record) => {
      if ((record.input as { Message: string }).Message === 'bad') throw new Error('receiver broke');
    },
  });
  const options: PubSubTriggerOptions = {
    connection: 'R',
    channel: 'ch',
    pattern: false,
    sharded: false,
    valueFormat: 'messageModel',
    maxBacklog: 100,
    concurrency: 1,
  };
  const fn: ResolvedFunction<PubSubTriggerOptions> = {
    name: 'f',
    triggerType: 'redisPubSubTrigger',
    options,
    disabled: false,
    retry: undefined,
    inputs: [],
    outputs: [],
    definition: {
      handler: (model: { Message: string }) => {
        handled.push(model.Message);
        return handler(model);
      },
      trigger: { type: 'redisPubSubTrigger', name: 'message' },
    } as never,
  };
  let deliver: (message: string, channel: string) => void = () => undefined;
  const ports = {
    pubsub: {
      subscribe: (_subscription: unknown, onMessage: typeof deliver) => {
        deliver = onMessage;
        return Promise.resolve(() => Promise.resolve());
      },
    },
  };
  const listener = new PubSubListener({ fn, ports: ports as never, invoker, logger });
  return { listener, lines, handled, publish: (message: string) => deliver(message, 'ch'), invoker };
}

describe('PubSubListener', () => {
  it.each([
    ['returns at once', () => undefined],
    ['awaits', () => new Promise((resolve) => setTimeout(resolve, 1))],
  ])(
    'logs a failed report of a handler that %s and goes on with the next message',
    async (_kind, handler) => {
      const { listener, lines, handled, publish, invoker } = listenerWith(handler);
      await listener.start();
      publish('bad');
      publish('good');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await invoker.idle();
      expect(handled).toEqual(['bad', 'good']);
      expect(lines.map((l) => [l['level'], l['msg'], l['err']])).toEqual([
        ['error', "Reporting an invocation of 'f' failed", 'receiver broke'],
      ]);
      await listener.close();
      expect(listener.state).toBe('closed');
    },
  );
});
