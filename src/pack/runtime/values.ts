import type { TriggerValueFormat } from '../../config/host-json';
import { messageModel } from '../../invoke/model';
import type { ShimSpec } from './spec';

/** The value and trigger metadata a handler gets locally, rebuilt from what the 1.x extension hands over. */
export interface LocalInvocationInput {
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
}

/**
 * Turns the 1.x value (REFERENCE §1: pub/sub `{SubscriptionChannel, Channel, Message}`, list: the element,
 * stream `{Id, Values}`; a JSON string or already parsed by the worker) into the local shapes.
 */
export function fromV1Value(
  spec: ShimSpec,
  format: TriggerValueFormat,
  value: unknown,
  bindingData: Readonly<Record<string, unknown>> | undefined,
): LocalInvocationInput {
  const one = convert(spec, format, value, bindingData ?? {});
  return spec.cardinality === 'many' ? { ...one, input: [one.input] } : one;
}

function convert(
  spec: ShimSpec,
  format: TriggerValueFormat,
  value: unknown,
  bindingData: Readonly<Record<string, unknown>>,
): LocalInvocationInput {
  switch (spec.triggerType) {
    case 'redisPubSubTrigger': {
      const parsed = asRecord(value, 'Pub/Sub message');
      const triggerMetadata = {
        SubscriptionChannel: text(field(parsed, 'SubscriptionChannel')),
        Channel: text(field(parsed, 'Channel')),
        Message: text(field(parsed, 'Message')),
      };
      const input =
        format === 'v1'
          ? { ...triggerMetadata }
          : messageModel(triggerMetadata.Channel, triggerMetadata.Message);
      return { input, triggerMetadata };
    }
    case 'redisListTrigger': {
      const element = text(value);
      const key = text(field(bindingData, 'Key') ?? spec.key);
      return {
        input: format === 'v1' ? element : messageModel(key, element),
        triggerMetadata: { Key: key, Value: element },
      };
    }
    case 'redisStreamTrigger': {
      const parsed = asRecord(value, 'stream entry');
      const key = text(field(bindingData, 'Key') ?? spec.key);
      const id = text(field(parsed, 'Id'));
      const values = asRecord(field(parsed, 'Values') ?? {}, 'stream entry Values');
      return {
        input: format === 'v1' ? { Id: id, Values: values } : messageModel(key, JSON.stringify(values)),
        triggerMetadata: { Key: key, Id: id, Values: values },
      };
    }
  }
}

/** A property looked up ignoring case (the worker may camel-case binding data). */
function field(record: Readonly<Record<string, unknown>>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

/** Strings as they are; anything the worker JSON-parsed goes back to its JSON text. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      throw new Error(`redis-func shim: the ${what} is not JSON: ${value.slice(0, 200)}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`redis-func shim: expected the ${what} as a JSON object, got ${typeof parsed}.`);
  }
  return parsed as Record<string, unknown>;
}
