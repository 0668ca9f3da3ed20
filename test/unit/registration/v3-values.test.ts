import {
  camelCaseKeys,
  hostTriggerMetadata,
  hostTypedData,
  v3BindingData,
  v3Value,
  type TypedData,
} from '../../../src/registration/v3-values';

/**
 * The real v3 worker model (`@azure/functions` 3.6.0, installed as `azure-functions-v3`), loaded as the
 * Node worker loads it: the worker provides `@azure/functions-core`, the package's `setup()` registers its
 * programming model there, and each invocation asks that model for the function's arguments.
 */
interface V3Arguments {
  context: { bindingData: Record<string, unknown>; bindings: Record<string, unknown> };
  inputs: unknown[];
}
interface V3Model {
  getInvocationModel(coreCtx: unknown): { getArguments(): Promise<V3Arguments> };
}
let model: V3Model | undefined;

beforeAll(() => {
  jest.isolateModules(() => {
    jest.doMock('@azure/functions-core', () => ({ setProgrammingModel: (m: V3Model) => (model = m) }), {
      virtual: true,
    });
    jest.requireActual<{ setup(): void }>('azure-functions-v3').setup();
  });
});

/** What the real model hands a function for an invocation request built from these typed data. */
async function realWorker(
  inputData: { name: string; data: TypedData }[],
  triggerMetadata: Record<string, TypedData> = {},
): Promise<V3Arguments> {
  if (!model) throw new Error('the v3 model did not register');
  const bindings = Object.fromEntries(inputData.map((b) => [b.name, { type: 'redis', direction: 'in' }]));
  return model
    .getInvocationModel({
      invocationId: 'inv-1',
      request: { invocationId: 'inv-1', triggerMetadata, inputData },
      metadata: { name: 'fn', directory: '/app/fn', bindings },
      state: undefined,
      log: () => undefined,
    })
    .getArguments();
}

const pubsub = { SubscriptionChannel: 'orders:*', Channel: 'orders:1', Message: '{"id":1,"tags":["a"]}' };
const entry = { Id: '1700000000000-0', Values: { Field1: 'v1', count: '5' } };

/** Values the extension binds: list elements (strings), 1.x Pub/Sub and stream values, replies, batches. */
const VALUES: [string, unknown][] = [
  ['a plain element', 'plain'],
  ['a JSON object element', '{"id":1}'],
  ['a number element', '42'],
  ['a big number', '12345678901234567890'],
  ['a decimal with a trailing zero', '1.50'],
  ['a JSON string', '"quoted"'],
  ['null', 'null'],
  ['true', 'true'],
  ['an empty element', ''],
  ['spaces around a number', ' 7 '],
  ['an element that looks like typed data', '{"string":"5"}'],
  ['the 1.x Pub/Sub value', pubsub],
  ['the 1.x stream value', entry],
  ['a messageModel value', { Trigger: 'k', Message: '{"a":1}' }],
  ['an integer reply', 5],
  ['a nil reply', null],
  ['a batch of elements', ['a', '{"b":1}', '']],
];

describe('v3 values: redis-func hands what the real v3 worker model hands', () => {
  it.each(VALUES)('%s, for every dataType', async (_name, value) => {
    for (const dataType of [undefined, 'string', 'String', 'binary', 'stream']) {
      const data = hostTypedData(value, dataType);
      const [real] = (await realWorker([{ name: 'x', data }])).inputs;
      expect(v3Value(value, dataType)).toEqual(real);
    }
  });

  it('parses JSON strings, keeps what does not parse, and hands binary as a Buffer', () => {
    expect(v3Value('{"id":1}', undefined)).toEqual({ id: 1 });
    expect(v3Value('42', 'string')).toBe(42);
    expect(v3Value('plain', undefined)).toBe('plain');
    expect(v3Value(pubsub, undefined)).toEqual({ ...pubsub }); // Message stays text: one parse only
    expect(v3Value(entry, undefined)).toEqual(entry);
    const bytes = v3Value('{"id": 7}', 'binary');
    expect(Buffer.isBuffer(bytes) && bytes.toString('utf8')).toBe('{"id": 7}');
    expect(v3Value('', undefined)).toBeUndefined(); // as the worker: an empty string reads as nothing
    expect(v3Value(['1', 'x'], undefined)).toEqual(['1', 'x']); // string collections are not parsed
  });
});

describe('v3 binding data: as the real model builds context.bindingData', () => {
  const METADATA: [string, Record<string, unknown>][] = [
    ['Pub/Sub', pubsub],
    ['Pub/Sub with an empty message', { ...pubsub, Message: '' }],
    ['list', { Key: 'jobs', Value: '{"Id":1,"Nested":{"Deep":true}}' }],
    ['list with a plain value', { Key: 'jobs', Value: 'plain' }],
    ['stream', { Key: 'events', Id: entry.Id, Values: entry.Values }],
    ['a batch', { Key: 'jobs', Count: 3, Values: ['a', 'b'] }],
  ];

  it.each(METADATA)('%s metadata', async (_name, metadata) => {
    const sent = hostTriggerMetadata(metadata, 'fn');
    const real = (await realWorker([], sent)).context.bindingData;
    expect({ invocationId: 'inv-1', ...camelCaseKeys(sent) }).toEqual(real);
  });

  it('camel-cases keys recursively and adds invocationId and sys', () => {
    const data = v3BindingData({ Key: 'events', Id: entry.Id, Values: entry.Values }, 'inv-2', 'OnEntry');
    expect(data).toEqual({
      invocationId: 'inv-2',
      key: 'events',
      id: entry.Id,
      values: { field1: 'v1', count: '5' },
      sys: {
        methodName: 'OnEntry',
        utcNow: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/),
        randGuid: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
      },
    });
    expect(v3BindingData({ ...pubsub, Message: 'x' }, 'i', 'f')).toMatchObject({
      subscriptionChannel: 'orders:*',
      channel: 'orders:1',
      message: 'x',
    });
  });
});
