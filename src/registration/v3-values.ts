import { randomUUID } from 'node:crypto';

/**
 * What a function.json (v3 model) function gets in Azure, in two steps:
 *
 * 1. the Functions host turns each value the extension binds into RPC typed data: a string as `string`,
 *    a byte array as `bytes`, a string array as `collectionString`, anything else as `json` text, and a
 *    null as empty typed data. With `"dataType": "binary"` on the binding the host binds bytes instead.
 * 2. the v3 worker model (`@azure/functions` 3.x, RpcConverters `fromTypedData`) runs `JSON.parse` on
 *    every `string` and `json` value (text that does not parse stays a string; `dataType` plays no part
 *    there), hands `bytes` as a Buffer and string collections as they are. `context.bindingData` is the
 *    trigger metadata with keys camel-cased, recursively (BindingConverters `convertKeysToCamelCase`),
 *    after `invocationId`.
 *
 * test/unit/registration/v3-values.test.ts holds each step against the v3 model package itself.
 */
export type TypedData =
  | { readonly string: string }
  | { readonly json: string }
  | { readonly bytes: Uint8Array }
  | { readonly collectionString: { readonly string: readonly string[] } }
  | { readonly collectionBytes: { readonly bytes: readonly Uint8Array[] } }
  | Readonly<Record<string, never>>;

/** A binding's `dataType` as function.json gives it (`string`, `binary`, `stream`, or none). */
export type DataType = string | undefined;

/** Step 1: the typed data the host sends for a value the extension bound (the text the 1.x extension makes). */
export function hostTypedData(value: unknown, dataType: DataType): TypedData {
  const binary = dataType?.toLowerCase() === 'binary';
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) {
    const texts = value.map(textOf);
    return binary
      ? { collectionBytes: { bytes: texts.map((t) => Buffer.from(t, 'utf8')) } }
      : { collectionString: { string: texts } };
  }
  if (Buffer.isBuffer(value)) return binary ? { bytes: value } : { string: value.toString('utf8') };
  return binary ? { bytes: Buffer.from(textOf(value), 'utf8') } : { string: textOf(value) };
}

/** A bound value as the extension's value providers write it: strings as they are, the rest as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Step 2, one value: what the v3 worker makes of typed data (undefined when it holds nothing it reads). */
export function workerValue(data: unknown): unknown {
  const typed = (data ?? {}) as Record<string, unknown>;
  // The worker takes `string || json`: an empty string counts as absent.
  const text = typed['string'] || typed['json'];
  if (text !== undefined) {
    if (text === null) return null;
    try {
      return JSON.parse(text as string) as unknown; // (as the worker does, whatever the type)
    } catch {
      return text;
    }
  }
  if (typed['bytes']) return Buffer.from(typed['bytes'] as Uint8Array);
  const collection = (name: string, item: string): unknown[] | undefined => {
    const holder = typed[name] as Record<string, unknown> | undefined;
    const items = holder?.[item];
    return Array.isArray(items) ? items : undefined;
  };
  const bytes = collection('collectionBytes', 'bytes');
  if (bytes) return bytes.map((b) => Buffer.from(b as Uint8Array));
  return collection('collectionString', 'string') ?? collection('collectionDouble', 'double');
}

/**
 * Step 2, binding data: each key with its first letter lower-cased; each value read as typed data (kept as
 * it is when that yields nothing), and objects that are not arrays treated the same way, recursively
 * (so a nested object that looks like typed data, e.g. `{ "string": "5" }`, is read as such, as in Azure).
 */
export function camelCaseKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const camel = key.charAt(0).toLocaleLowerCase() + key.slice(1);
    const raw = record[key];
    const read = workerValue(raw);
    const value = read === undefined ? raw : read;
    // The worker leaves out objects with an `http` property (its HTTP requests are cased already).
    const nested =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      (value as { http?: unknown }).http == null;
    out[camel] = nested ? camelCaseKeys(value as Record<string, unknown>) : value;
  }
  return out;
}

/** A trigger or input value as the v3 worker hands it to the function. */
export function v3Value(value: unknown, dataType: DataType): unknown {
  return workerValue(hostTypedData(value, dataType));
}

/**
 * `context.bindingData`: `invocationId`, then the trigger metadata as the host sends it
 * (hostTriggerMetadata), keys camel-cased by the worker.
 */
export function v3BindingData(
  triggerMetadata: Readonly<Record<string, unknown>> | undefined,
  invocationId: string,
  functionName: string,
): Record<string, unknown> {
  return { invocationId, ...camelCaseKeys(hostTriggerMetadata(triggerMetadata, functionName)) };
}

/**
 * The trigger metadata of an invocation request: each non-null value of the trigger's binding data, plus
 * the WebJobs SDK's `sys` binding data ({ MethodName, UtcNow, RandGuid }) as JSON.
 */
export function hostTriggerMetadata(
  triggerMetadata: Readonly<Record<string, unknown>> | undefined,
  functionName: string,
): Record<string, TypedData> {
  const sent: Record<string, TypedData> = {};
  for (const [key, value] of Object.entries(triggerMetadata ?? {})) {
    if (value !== undefined && value !== null) sent[key] = metadataTypedData(value);
  }
  const sys = { MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() };
  sent['sys'] = { json: JSON.stringify(sys) };
  return sent;
}

/** Metadata values are not bound to a dataType: strings go as `string`, everything else as `json`. */
function metadataTypedData(value: unknown): TypedData {
  return typeof value === 'string' ? { string: value } : { json: JSON.stringify(value) };
}
