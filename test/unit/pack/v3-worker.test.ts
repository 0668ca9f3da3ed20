import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setup } from 'azure-functions-v3';
import path from 'node:path';
import { packApp, type PackResult } from '../../../src/pack/pack';
import { createShim, type ShimFunction } from '../../../src/pack/runtime';
import type { PackedFunction } from '../../../src/pack/types';

/**
 * The packed shims driven as the real Node worker drives a function.json function: the RpcTypedData the
 * Functions host sends for what the 1.x extension hands over (strings; bytes for `dataType: "binary"`;
 * collections for `cardinality: "many"`), turned into `context` and arguments by the v3 worker-side model
 * itself (`@azure/functions` 3.6.0, installed as `azure-functions-v3`: its InvocationModel and
 * fromTypedData), as the worker's InvocationHandler does: getInvocationModel, getArguments, invokeFunction.
 */

interface TypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  collectionBytes?: { bytes: Uint8Array[] };
  collectionString?: { string: string[] };
}
interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: ShimFunction): Promise<unknown>;
}
interface ProgrammingModel {
  readonly version: string;
  getInvocationModel(coreCtx: unknown): InvocationModel;
}

let mockProgrammingModel: ProgrammingModel | undefined;
// Under Jest, `@azure/functions-core` is one module for everything loaded here: redis-func's capturing
// core (as the shim provides it in the worker) for the app's v4 registrations, and the worker's
// setProgrammingModel for the v3 model's setup().
jest.mock(
  '@azure/functions-core',
  () => {
    const { coreApi } = jest.requireActual<typeof import('../../../src/registration/core-module')>(
      '../../../src/registration/core-module',
    );
    return {
      ...coreApi,
      // the app's v4 @azure/functions sets its own model too when it loads: keep the v3 one
      setProgrammingModel: (model: ProgrammingModel) => {
        if (model.version.startsWith('3.')) mockProgrammingModel = model;
      },
    };
  },
  { virtual: true },
);

const fixture = path.join(__dirname, '..', '..', 'fixtures', 'exact-text-app');
const seen = ((globalThis as { exactTextSeen?: Seen[] }).exactTextSeen ??= []);
interface Seen {
  function: string;
  value: unknown;
  triggerMetadata: Record<string, unknown>;
}

/** JSON-looking and plain texts whose exact text a handler must get. */
const TEXTS = [
  '{"id": 7, "tags": ["a", "b"]}',
  '12345678901234567890',
  '"quoted"',
  'null',
  '1.50',
  'true',
  '[1, 2]',
  '{"a":1}',
  '42',
  '-0',
  '1e3',
  'plain',
  '',
  ' ',
  '  padded\t',
  '\n',
  'héllo wörld ✓ 日本語 🎉',
  '{"nested": {"big": 9007199254740993}}',
];

let packed: PackResult;
let out: string;
const shims = new Map<string, { fn: PackedFunction; shim: ShimFunction }>();

beforeAll(async () => {
  setup(); // what the worker does for a function.json app: the v3 model handles its invocations
  out = path.join(fixture, '.redis-func', 'deploy');
  packed = await packApp({ scriptRoot: fixture, outDir: out });
  for (const fn of packed.functions) {
    shims.set(fn.shim.function, { fn, shim: createShim(path.join(out, fn.name), fn.shim) });
  }
});
afterAll(() => rmSync(path.join(fixture, '.redis-func'), { recursive: true, force: true }));
beforeEach(() => seen.splice(0));

/** One invocation as the worker runs it; returns what the handler recorded. */
async function invoke(
  name: string,
  data: TypedData,
  triggerMetadata: Record<string, TypedData>,
  dataType?: string,
): Promise<Seen> {
  const { fn, shim } = shims.get(name)!;
  const bindings = (fn.functionJson['bindings'] as Record<string, unknown>[]).map((b) =>
    dataType === undefined
      ? b
      : b['direction'] === 'in' && /trigger$/i.test(String(b['type']))
        ? { ...b, dataType }
        : b,
  );
  const trigger = bindings[0]!;
  const invocationId = `id-${seen.length}`;
  const coreCtx = {
    invocationId,
    request: {
      invocationId,
      functionId: fn.name,
      inputData: [{ name: trigger['name'], data }],
      triggerMetadata,
    },
    metadata: {
      name: fn.name,
      directory: path.join(out, fn.name),
      bindings: Object.fromEntries(
        bindings.map((b) => [
          b['name'],
          { type: b['type'], direction: b['direction'], dataType: b['dataType'] },
        ]),
      ),
    },
    state: undefined,
    log: () => undefined,
  };
  const model = mockProgrammingModel!.getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  await model.invokeFunction(context, inputs, shim);
  const recorded = seen.at(-1);
  expect(recorded?.function).toBe(name);
  return recorded!;
}

const string = (value: string): TypedData => ({ string: value });
const bytes = (value: string): TypedData => ({ bytes: Buffer.from(value, 'utf8') });

describe('a packed app in the v3 worker-side model: every trigger value keeps its exact text', () => {
  it('pack asks for list elements as bytes, and batches as 1.x batches', () => {
    const bindings = (name: string): Record<string, unknown> =>
      (shims.get(name)!.fn.functionJson['bindings'] as Record<string, unknown>[])[0]!;
    expect(bindings('onElement')).toMatchObject({ type: 'redisListTrigger', dataType: 'binary' });
    expect(bindings('onElements')).toMatchObject({ dataType: 'binary', cardinality: 'many' });
    expect(bindings('onEntries')).toMatchObject({ type: 'redisStreamTrigger', cardinality: 'many' });
    expect(bindings('onMessage')).not.toHaveProperty('dataType');
  });

  it.each(TEXTS.map((t) => [JSON.stringify(t), t]))('list element %s', async (_, text) => {
    const got = await invoke('onElement', bytes(text), { Value: string(text) });
    expect(got.value).toEqual({ Trigger: 'exact:jobs', Message: text });
    expect(got.triggerMetadata).toEqual({ Key: 'exact:jobs', Value: text });
  });

  it('a list batch (cardinality many: bytes of each element)', async () => {
    const got = await invoke(
      'onElements',
      { collectionBytes: { bytes: TEXTS.map((t) => Buffer.from(t, 'utf8')) } },
      { Value: string(JSON.stringify(TEXTS)) },
    );
    expect(got.value).toEqual(TEXTS.map((t) => ({ Trigger: 'exact:batch', Message: t })));
    expect(got.triggerMetadata).toEqual({ Key: 'exact:batch', Count: TEXTS.length, Values: TEXTS });
  });

  it.each(TEXTS.map((t) => [JSON.stringify(t), t]))('Pub/Sub message %s', async (_, text) => {
    const value = { SubscriptionChannel: 'exact:*', Channel: 'exact:"1"', Message: text };
    const got = await invoke('onMessage', string(JSON.stringify(value)), {
      SubscriptionChannel: string(value.SubscriptionChannel),
      Channel: string(value.Channel),
      Message: string(text),
    });
    expect(got.value).toEqual({ Trigger: 'exact:"1"', Message: text });
    expect(got.triggerMetadata).toEqual(value);
  });

  it('stream entry fields, and a key the binding data would round', async () => {
    const values = Object.fromEntries(TEXTS.map((t, i) => [`f${i}`, t]));
    const key = '12345678901234567890';
    const got = await invoke('onEntry', string(JSON.stringify({ Id: '1-0', Values: values })), {
      Key: string(key),
      Id: string('1-0'),
      Values: { json: JSON.stringify(values) },
    });
    expect(got.value).toEqual({ Trigger: key, Message: JSON.stringify(values) });
    expect(got.triggerMetadata).toEqual({ Key: key, Id: '1-0', Values: values });
  });

  it('a stream batch (cardinality many: the JSON text of each entry)', async () => {
    const entries = TEXTS.map((t, i) => ({ Id: `${i}-0`, Values: { text: t } }));
    const got = await invoke(
      'onEntries',
      { collectionString: { string: entries.map((e) => JSON.stringify(e)) } },
      { Key: string('exact:events'), Count: { int: entries.length } },
    );
    expect(got.value).toEqual(
      TEXTS.map((t) => ({ Trigger: 'exact:events', Message: JSON.stringify({ text: t }) })),
    );
    expect(got.triggerMetadata).toEqual({
      Key: 'exact:events',
      Count: entries.length,
      Ids: entries.map((e) => e.Id),
    });
  });

  it('without dataType binary the worker JSON-parses a list element and its text is lost (why pack sets it)', async () => {
    const got = await invoke('onElement', string('{"id": 7, "tags": ["a", "b"]}'), {}, 'string');
    expect(got.value).toEqual({ Trigger: 'exact:jobs', Message: '{"id":7,"tags":["a","b"]}' });
    const big = await invoke('onElement', string('12345678901234567890'), {}, 'string');
    expect(big.value).toEqual({ Trigger: 'exact:jobs', Message: '12345678901234567000' });
  });
});

describe('an app that throws at import', () => {
  it('fails the shim when the worker loads it, with the error, for every function of the app', () => {
    const root = mkdtempSync(path.join(fixture, '..', 'throwing-app-'));
    try {
      writeFileSync(path.join(root, 'package.json'), '{"name":"throwing","main":"app.js"}');
      writeFileSync(path.join(root, 'app.js'), "throw new Error('boom at import');\n");
      writeFileSync(
        path.join(root, 'redis-func.pack.json'),
        JSON.stringify({ generatedBy: 'test', entryFiles: ['app.js'], valueFormat: 'messageModel' }),
      );
      const spec = { function: 'f', triggerType: 'redisListTrigger', key: 'k', cardinality: 'one' } as const;
      expect(() => createShim(path.join(root, 'f'), spec)).toThrow(
        /loading the app's entry files .* failed: boom at import/,
      );
      expect(() => createShim(path.join(root, 'g'), { ...spec, function: 'g' })).toThrow(/boom at import/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a function the app no longer registers fails its load too', () => {
    const { fn } = shims.get('onElement')!;
    expect(() => createShim(path.join(out, fn.name), { ...fn.shim, function: 'gone' })).toThrow(
      /registered no function 'gone' \(it registered onMessage, onElement, onElements, onEntry, onEntries\)/,
    );
  });
});
