import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { errorMessage } from '../errors';

/** The tracer provider `@opentelemetry/api` hands out while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True when an OpenTelemetry SDK registered a tracer provider (globally, through any copy of
 * `@opentelemetry/api` 1.x). Asked once per invoker: without one, the invoker does no span work at all.
 */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate !== NOOP_PROVIDER;
}

/** What the invoker knows of an invocation when its span starts. */
export interface SpanRequest {
  readonly functionName: string;
  readonly triggerType: string;
  readonly invocationId: string;
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
  /** Set on a retry attempt: 1 for the first retry. */
  readonly retryCount: number | undefined;
  readonly maxRetryCount: number | undefined;
}

/**
 * Invocation spans by the OpenTelemetry semantic conventions for FaaS and messaging: one CONSUMER span per
 * attempt, named after the function, child of the message's trace context when it carries one (a stream
 * entry's `traceparent`/`tracestate` fields, or a JSON envelope's), linked to each message's context for
 * `cardinality: 'many'`.
 */
export class InvocationTracing {
  private readonly tracer: Tracer;

  constructor() {
    this.tracer = trace.getTracer('redis-func');
  }

  start(request: SpanRequest): { readonly span: Span; readonly context: Context } {
    const { triggerMetadata: metadata } = request;
    const attributes: Attributes = {
      'faas.trigger': 'pubsub',
      'faas.name': request.functionName,
      'faas.invocation_id': request.invocationId,
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
    };
    const destination = metadata['Channel'] ?? metadata['Key'];
    if (typeof destination === 'string') attributes['messaging.destination.name'] = destination;
    if (typeof metadata['Id'] === 'string') attributes['messaging.message.id'] = metadata['Id'];
    if (typeof metadata['Count'] === 'number')
      attributes['messaging.batch.message_count'] = metadata['Count'];
    const carriers = messageContexts(request.triggerType, request.input, metadata);
    const batch = typeof metadata['Count'] === 'number';
    const parent = !batch && carriers[0] ? carriers[0] : undefined;
    const links: Link[] = batch ? carriers.map((spanContext) => ({ context: spanContext })) : [];
    const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : context.active();
    const span = this.tracer.startSpan(
      request.functionName,
      { kind: SpanKind.CONSUMER, attributes, links },
      parentContext,
    );
    if (request.retryCount !== undefined) {
      span.addEvent('retry', {
        'redis_func.retry_count': request.retryCount,
        'redis_func.max_retry_count': request.maxRetryCount ?? -1,
      });
    }
    return { span, context: trace.setSpan(parentContext, span) };
  }

  /** Ends an attempt's span with its outcome. */
  end(span: Span, failed: boolean, error: unknown): void {
    if (failed) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      if (error instanceof Error) span.recordException(error);
      else span.recordException(errorMessage(error));
    }
    span.end();
  }
}

/**
 * The trace contexts the message(s) carry: a stream entry's `traceparent` (and `tracestate`) fields; a
 * Pub/Sub message's or list element's JSON envelope (an object with a top-level `traceparent` string).
 */
function messageContexts(
  triggerType: string,
  input: unknown,
  metadata: Record<string, unknown>,
): SpanContext[] {
  const found: SpanContext[] = [];
  const add = (carrier: unknown): void => {
    const spanContext = fromCarrier(carrier);
    if (spanContext) found.push(spanContext);
  };
  if (/stream/i.test(triggerType)) {
    if (metadata['Values'] !== undefined) add(metadata['Values']);
    else if (Array.isArray(input)) for (const entry of input) add(streamFields(entry));
  } else if (typeof metadata['Message'] === 'string') add(envelope(metadata['Message']));
  else if (typeof metadata['Value'] === 'string') add(envelope(metadata['Value']));
  else if (Array.isArray(metadata['Values'])) for (const value of metadata['Values']) add(envelope(value));
  return found;
}

/** A stream entry's fields as the handler got them: `{ Id, Values }` (v1) or `{ Trigger, Message: json }`. */
function streamFields(entry: unknown): unknown {
  if (entry === null || typeof entry !== 'object') return undefined;
  const { Values: values, Message: message } = entry as { Values?: unknown; Message?: unknown };
  return values ?? (typeof message === 'string' ? envelope(message) : undefined);
}

/** A message that is a JSON object naming a `traceparent`, parsed; otherwise undefined. */
function envelope(message: unknown): unknown {
  if (typeof message !== 'string' || !message.includes('"traceparent"')) return undefined;
  const text = message.trimStart();
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A W3C `traceparent` (and `tracestate`) from an object's fields, as a remote span context. */
export function fromCarrier(carrier: unknown): SpanContext | undefined {
  if (carrier === null || typeof carrier !== 'object') return undefined;
  const { traceparent, tracestate } = carrier as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId: match[2] as string,
    spanId: match[3] as string,
    traceFlags: parseInt(match[4] as string, 16) & 1,
    isRemote: true,
    traceState: typeof tracestate === 'string' ? createTraceState(tracestate) : undefined,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Runs a command the host issues for a binding: as a CLIENT span (`db.system.name` redis) under the
 * invocation's span while one is active, plainly otherwise.
 */
export function tracedCommand<T>(word: string, run: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()) return run();
  const operation = word.toUpperCase();
  return trace
    .getTracer('redis-func')
    .startActiveSpan(
      operation,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'redis', 'db.operation.name': operation } },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
}

/** The active span's context as `traceparent` and `tracestate` values, when there is a valid one. */
export function currentTraceFields(): string[] {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return [];
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const fields = ['traceparent', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`];
  const state = spanContext.traceState?.serialize();
  if (state) fields.push('tracestate', state);
  return fields;
}
