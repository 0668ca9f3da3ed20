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
function listenerWith(
  handler: (model: { Message: string }) => unknown,
  setup: { maxBacklog?: number; loggerThrows?: boolean; reports?: boolean } = {},
) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    json: true,
    destination: {
      write: (line: string) => {
        if (setup.loggerThrows) throw new Error('log destination broke');
        return !!lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const handled: string[] = [];
  const invoker = new Invoker({
    logger: pino({ level: 'silent' }),
    host: parseHostJson({ version: '2.0' }),
    // records received (the attempt path), where the one of message 'bad' fails; or none (the quick path)
    onInvocation:
      setup.reports === false
        ? undefined
        : (record) => {
            if ((record.input as { Message: string }).Message === 'bad') throw new Error('receiver broke');
          },
  });
  const options: PubSubTriggerOptions = {
    connection: 'R',
    channel: 'ch',
    pattern: false,
    sharded: false,
    valueFormat: 'messageModel',
    maxBacklog: setup.maxBacklog ?? 100,
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
  const publish = (message: string): void => deliver(message, 'ch');
  return { listener, lines, handled, publish, invoker };
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

  it('goes on when even logging a failed report fails', async () => {
    const { listener, handled, publish } = listenerWith(() => Promise.resolve(), { loggerThrows: true });
    await listener.start();
    publish('bad');
    publish('good');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(handled).toEqual(['bad', 'good']);
    await listener.close(); // the feed is idle: close does not hang
    expect(listener.state).toBe('closed');
  });

  it('runs a backlog of handlers whose thenables call back inside then, in order, without deepening the stack', async () => {
    let release: () => void = () => undefined;
    const depths: number[] = [];
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    const { listener, handled, publish } = listenerWith(
      (model) => {
        if (model.Message === '0') return new Promise<void>((resolve) => (release = resolve));
        depths.push(new Error().stack?.split('\n').length ?? 0);
        return { then: (resolved: (value: unknown) => void) => resolved(model.Message) };
      },
      { maxBacklog: 3_000, reports: false },
    );
    await listener.start();
    for (let n = 0; n < 3_000; n++) publish(String(n));
    release();
    const until = Date.now() + 5_000;
    while (handled.length < 3_000 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 5));
    Error.stackTraceLimit = limit;
    expect(handled).toEqual(Array.from({ length: 3_000 }, (_, n) => String(n)));
    expect(Math.max(...depths)).toBeLessThan(60);
    await listener.close();
  });
});
