import type { TriggerValueFormat } from '../../config/host-json';
import { messageModel } from '../../invoke/model';
import type { ShimSpec } from './spec';

/** The value and trigger metadata a handler gets locally, rebuilt from what the 1.x extension hands over. */
export interface LocalInvocationInput {
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
}

/**
 * Turns the 1.x value into the local shapes. What arrives, per trigger (REFERENCE §1):
 * - Pub/Sub: the JSON text `{SubscriptionChannel, Channel, Message}`, which the worker JSON-parses (its
 *   string fields stay exact);
 * - list: the element as bytes (pack writes `dataType: "binary"`, so the worker hands a Buffer and never
 *   JSON-parses it); a string, or a value the worker parsed, from a folder packed before that;
 * - stream: the JSON text `{Id, Values}` (parsed by the worker, or raw in a `cardinality: "many"` batch);
 * - `cardinality: "many"`: an array of those.
 * The key is the one the function was packed for (its `%Setting%` parts read from the environment, where
 * Azure puts app settings), not the worker's JSON-parsed binding data, which may have lost its text.
 */
export function fromV1Value(
  spec: ShimSpec,
  format: TriggerValueFormat,
  value: unknown,
  bindingData: Readonly<Record<string, unknown>> | undefined,
): LocalInvocationInput {
  const metadata = bindingData ?? {};
  if (spec.cardinality === 'many') return batch(spec, format, value, metadata);
  return convert(spec, format, value, metadata);
}

function batch(
  spec: ShimSpec,
  format: TriggerValueFormat,
  value: unknown,
  bindingData: Readonly<Record<string, unknown>>,
): LocalInvocationInput {
  // A batch arrives as an array; a folder packed before pack wrote `cardinality: "many"` gets one value.
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  const items = values.map((v) => convert(spec, format, v, bindingData));
  const input = items.map((item) => item.input);
  const key = packedKey(spec, bindingData);
  switch (spec.triggerType) {
    case 'redisListTrigger':
      return {
        input,
        triggerMetadata: {
          Key: key,
          Count: items.length,
          Values: items.map((i) => i.triggerMetadata['Value']),
        },
      };
    case 'redisStreamTrigger':
      return {
        input,
        triggerMetadata: { Key: key, Count: items.length, Ids: items.map((i) => i.triggerMetadata['Id']) },
      };
    case 'redisPubSubTrigger':
      return { input, triggerMetadata: items[0]?.triggerMetadata ?? {} };
  }
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
      const key = packedKey(spec, bindingData);
      return {
        input: format === 'v1' ? element : messageModel(key, element),
        triggerMetadata: { Key: key, Value: element },
      };
    }
    case 'redisStreamTrigger': {
      const parsed = asRecord(value, 'stream entry');
      const key = packedKey(spec, bindingData);
      const id = text(field(parsed, 'Id'));
      const values = asRecord(field(parsed, 'Values') ?? {}, 'stream entry Values');
      return {
        input: format === 'v1' ? { Id: id, Values: values } : messageModel(key, JSON.stringify(values)),
        triggerMetadata: { Key: key, Id: id, Values: values },
      };
    }
  }
}

/**
 * The list or stream key: the packed one with its `%Setting%` parts resolved from the environment (app
 * settings in Azure, local settings under redis-func); the binding data's `Key` only when a setting is
 * missing there (1.x sends no `Key` for lists at all).
 */
export function packedKey(spec: ShimSpec, bindingData: Readonly<Record<string, unknown>>): string {
  if (spec.key !== undefined) {
    let missing = false;
    const resolved = spec.key.replace(/%([^%]+)%/g, (whole, name: string) => {
      const setting = process.env[name];
      if (setting === undefined) missing = true;
      return setting ?? whole;
    });
    if (!missing) return resolved;
  }
  const fromBindingData = field(bindingData, 'Key');
  return fromBindingData === undefined ? (spec.key ?? '') : text(fromBindingData);
}

/** A property looked up ignoring case (the worker camel-cases binding data). */
function field(record: Readonly<Record<string, unknown>>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

/**
 * The text of a value: bytes decoded as UTF-8, strings as they are. Anything else is a value the worker
 * JSON-parsed from a string (a folder packed without `dataType: "binary"`): its JSON text is the best
 * left, and may differ from the original (spacing, big numbers, quotes).
 */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const json = text(value);
    try {
      parsed = JSON.parse(json) as unknown;
    } catch {
      throw new Error(`redis-func shim: the ${what} is not JSON: ${json.slice(0, 200)}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`redis-func shim: expected the ${what} as a JSON object, got ${typeof parsed}.`);
  }
  return parsed as Record<string, unknown>;
}
