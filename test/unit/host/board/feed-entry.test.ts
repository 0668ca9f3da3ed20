import { feedEntry, INPUT_LIMIT, utf8Prefix } from '../../../../src/host/board/feed-entry';
import type { InvocationRecord } from '../../../../src/invoke/invoker';

const record = (input: unknown, logs: InvocationRecord['logs'] = []): InvocationRecord => ({
  invocationId: 'id-1',
  functionName: 'f',
  input,
  triggerMetadata: {},
  status: 'succeeded',
  result: undefined,
  durationMs: 1,
  attempt: 1,
  logs,
});

/** What the feed showed of an input before it was cut without converting it whole: all of it as text, cut. */
function wholeThenCut(input: unknown): { input: string; inputLength: number } {
  const text =
    typeof input === 'string'
      ? input
      : Buffer.isBuffer(input)
        ? input.toString('utf8')
        : JSON.stringify(input, (_key, value: unknown) =>
            typeof value === 'bigint' ? value.toString() : value,
          );
  return { input: text.slice(0, INPUT_LIMIT), inputLength: text.length };
}

/** Bytes that start, continue, or never appear in UTF-8 characters, and some ASCII. */
const BYTES = [
  0x41, 0x0a, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
].concat([0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff]);

/** `length` bytes drawn from BYTES and from valid text, the same each run (a fixed-seed generator). */
function mixedBytes(length: number, seed: number): Buffer {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const text = Buffer.from('aé€😀');
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++)
    bytes[i] = next(2) === 0 ? BYTES[next(BYTES.length)]! : text[next(text.length)]!;
  return bytes;
}

describe('feedEntry cuts a large input to the text it showed when it converted the input whole', () => {
  it('a 40 MB string', () => {
    const input = 'ab😀'.repeat(5_000_000);
    expect(feedEntry(record(input), 'r', 0)).toMatchObject(wholeThenCut(input));
    expect(wholeThenCut(input).input).toHaveLength(INPUT_LIMIT);
  });

  it('an object with a huge string, and a bigint', () => {
    const input = { id: 12n, value: 'x"\n\u0001é'.repeat(3_000_000) };
    expect(feedEntry(record(input), 'r', 0)).toMatchObject(wholeThenCut(input));
  });

  it('a 5 MB Buffer of text and bytes that are no UTF-8, decoded a chunk at a time', () => {
    const input = mixedBytes(5_000_000, 7);
    const entry = feedEntry(record(input), 'r', 0);
    expect(entry).toMatchObject(wholeThenCut(input));
    expect(entry.inputLength).toBeGreaterThan(INPUT_LIMIT);
  });

  it('a small Buffer, whole', () => {
    const input = Buffer.from('{"a":"é"}');
    expect(feedEntry(record(input), 'r', 0)).toMatchObject({ input: '{"a":"é"}', inputLength: 9 });
  });

  it('a long log line, cut at 500 characters', () => {
    const message = 'line 😀'.repeat(1_000_000);
    const entry = feedEntry(record('x', [{ level: 'information', message }]), 'r', 0);
    expect(entry.logs).toEqual([{ level: 'information', message: message.slice(0, 500) }]);
  });
});

describe('utf8Prefix', () => {
  it('gives the text and length of decoding the whole Buffer, whatever the chunk size', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const bytes = mixedBytes(1 + (seed % 40), seed);
      const whole = bytes.toString('utf8');
      for (const chunkBytes of [1, 2, 3, 4, 5, 7]) {
        for (const limit of [0, 1, 3, 10, 100]) {
          const expected = { text: whole.slice(0, limit), length: whole.length };
          expect({ seed, chunkBytes, limit, ...utf8Prefix(bytes, limit, chunkBytes) }).toEqual({
            seed,
            chunkBytes,
            limit,
            ...expected,
          });
        }
      }
    }
  });
});
