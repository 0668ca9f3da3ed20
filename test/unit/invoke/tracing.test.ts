import { output, trigger } from '@azure/functions';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createTestHost, type TestHost } from '../../../src/testing';
import { tracingRegistered } from '../../../src/invoke/tracing';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN = '00f067aa0ba902b7';
const traceparent = (span = PRODUCER_SPAN): string => `00-${PRODUCER_TRACE}-${span}-01`;

const reg = (
  name: string,
  type: string,
  options: Record<string, unknown>,
  handler: (input: never) => unknown,
) => ({
  name,
  options: { trigger: trigger.generic({ type, connection: 'Redis', ...options }), handler: handler as never },
});

const userTracer = trace.getTracer('user-code');
/** A handler that makes a span of its own, after an await (the context must follow it). */
const withUserSpan = async (): Promise<void> => {
  await Promise.resolve();
  userTracer.startSpan('user work').end();
};

let h: TestHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  exporter.reset();
});

describe('invocation spans without an SDK', () => {
  it('are not made: the invoker sees the no-op provider and the handler runs with no active span', async () => {
    expect(tracingRegistered()).toBe(false);
    const seen: unknown[] = [];
    h = await createTestHost({
      functions: [
        reg('plain', 'redisPubSubTrigger', { channel: 'p' }, () => seen.push(trace.getActiveSpan())),
      ],
    });
    await h.publish('p', 'x');
    await h.idle();
    expect(seen).toEqual([undefined]);
  });
});

describe('invocation spans with an SDK registered', () => {
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

  it('one CONSUMER span per invocation with the FaaS and messaging attributes; user spans nest under it', async () => {
    h = await createTestHost({
      functions: [reg('onOrder', 'redisPubSubTrigger', { channel: 'orders' }, withUserSpan)],
    });
    await h.publish('orders', 'plain text');
    await h.idle();
    const [span] = spans('onOrder');
    const [record] = h.invocationsOf('onOrder');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.attributes).toEqual({
      'faas.trigger': 'pubsub',
      'faas.name': 'onOrder',
      'faas.invocation_id': record?.invocationId,
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'orders',
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    const [user] = spans('user work');
    expect(user?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
    expect(user?.spanContext().traceId).toBe(span?.spanContext().traceId);
  });

  it("a stream entry's traceparent and tracestate fields continue the producer's trace", async () => {
    h = await createTestHost({
      functions: [reg('onEntry', 'redisStreamTrigger', { key: 's' }, () => undefined)],
    });
    const id = await h.xadd('s', { order: '1', traceparent: traceparent(), tracestate: 'vendor=x' });
    await h.idle();
    const [span] = spans('onEntry');
    expect(span?.spanContext().traceId).toBe(PRODUCER_TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
    expect(span?.spanContext().traceState?.get('vendor')).toBe('x');
    expect(span?.attributes).toMatchObject({ 'messaging.destination.name': 's', 'messaging.message.id': id });
  });

  it("cardinality 'many' links to each entry's context and counts the batch", async () => {
    h = await createTestHost({
      functions: [
        reg('batch', 'redisStreamTrigger', { key: 'b', cardinality: 'many', maxBatchSize: 10 }, () => 0),
      ],
    });
    await h.xadd('b', { n: '1', traceparent: traceparent('00000000000000a1') });
    await h.xadd('b', { n: '2' });
    await h.xadd('b', { n: '3', traceparent: traceparent('00000000000000a3') });
    await h.idle();
    const batches = spans('batch');
    const links = batches.flatMap((s) => s.links.map((l) => l.context.spanId));
    expect(links.sort()).toEqual(['00000000000000a1', '00000000000000a3']);
    expect(batches.every((s) => s.spanContext().traceId !== PRODUCER_TRACE)).toBe(true);
    const counted = batches.map((s) => s.attributes['messaging.batch.message_count'] as number);
    expect(counted.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('a Pub/Sub or list message that is a JSON envelope with a traceparent continues its trace', async () => {
    h = await createTestHost({
      functions: [
        reg('ps', 'redisPubSubTrigger', { channel: 'c' }, () => undefined),
        reg('ls', 'redisListTrigger', { key: 'l' }, () => undefined),
      ],
    });
    const message = JSON.stringify({ traceparent: traceparent(), data: { order: 1 } });
    await h.publish('c', message);
    await h.lpush('l', message);
    await h.publish('c', '{"traceparent": "not one"}');
    await h.idle();
    const [enveloped, malformed] = spans('ps');
    expect(enveloped?.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
    expect(malformed?.spanContext().traceId).not.toBe(PRODUCER_TRACE);
    expect(malformed?.parentSpanContext).toBeUndefined();
    expect(spans('ls')[0]?.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
    expect(h.invocationsOf('ps')[0]?.input).toMatchObject({ Message: message }); // the message as sent
  });

  it('a failed invocation is an ERROR span with the exception; each retry attempt is a span with a retry event', async () => {
    h = await createTestHost({
      functions: [
        {
          ...reg('flaky', 'redisPubSubTrigger', { channel: 'f' }, () => {
            throw new Error('no luck');
          }),
        },
      ],
      hostJson: { retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: '00:00:00' } },
    });
    await h.publish('f', 'x');
    await h.idle();
    const [first, retry] = spans('flaky');
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no luck' });
    expect(first?.events.map((e) => e.name)).toEqual(['exception']);
    expect(retry?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['retry', { 'redis_func.retry_count': 1, 'redis_func.max_retry_count': 1 }],
      ['exception', expect.anything()],
    ]);
  });

  it('an output XADD with traceContext carries the trace on to the next function; binding commands are CLIENT spans', async () => {
    const forward = output.generic({
      type: 'redis',
      connection: 'Redis',
      command: 'XADD next *',
      traceContext: true,
    });
    h = await createTestHost({
      functions: [
        {
          name: 'relay',
          options: {
            trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'Redis', channel: 'in' }),
            return: forward,
            handler: () => ['order', '7'],
          },
        },
        reg('onNext', 'redisStreamTrigger', { key: 'next' }, () => undefined),
      ],
    });
    await h.publish('in', 'go');
    await h.idle();
    const [relay] = spans('relay');
    const [xadd] = spans('XADD');
    expect(xadd?.kind).toBe(SpanKind.CLIENT);
    expect(xadd?.attributes).toEqual({ 'db.system.name': 'redis', 'db.operation.name': 'XADD' });
    expect(xadd?.parentSpanContext?.spanId).toBe(relay?.spanContext().spanId);
    const [entry] = h.entries('next');
    expect(entry?.fields).toEqual({
      order: '7',
      traceparent: `00-${relay?.spanContext().traceId}-${xadd?.spanContext().spanId}-01`,
    });
    const [next] = spans('onNext');
    expect(next?.spanContext().traceId).toBe(relay?.spanContext().traceId);
    expect(next?.parentSpanContext?.spanId).toBe(xadd?.spanContext().spanId);
  });

  it('traceContext is refused on a binding that does not XADD', async () => {
    const setter = output.generic({
      type: 'redis',
      connection: 'Redis',
      command: 'SET k',
      traceContext: true,
    });
    await expect(
      createTestHost({
        functions: [
          {
            name: 'setter',
            options: {
              trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'Redis', channel: 'x' }),
              return: setter,
              handler: () => 'v',
            },
          },
        ],
      }),
    ).rejects.toThrow('option "traceContext" applies to output bindings whose command is XADD only');
  });
});
