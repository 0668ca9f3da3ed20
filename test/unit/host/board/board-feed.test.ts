import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BoardFeed } from '../../../../src/host/board/board-feed';
import { InvocationTap } from '../../../../src/invoke/invocation-tap';
import type { InvocationRecord } from '../../../../src/invoke/invoker';

interface Message {
  readonly event: string;
  readonly data: { received: number; entries: Record<string, unknown>[] };
}

/** A page's event stream: the messages written to it, and a way to wait for the next. */
function page() {
  const req = new EventEmitter();
  const messages: Message[] = [];
  let wake: (() => void) | undefined;
  const res = {
    writableNeedDrain: false,
    ended: false,
    writeHead: jest.fn(),
    write(chunk: string) {
      const event = /^event: (\w+)$/m.exec(chunk)?.[1];
      const data = /^data: (.*)$/m.exec(chunk)?.[1];
      if (event && data) messages.push({ event, data: JSON.parse(data) as Message['data'] });
      wake?.();
      return true;
    },
    end() {
      this.ended = true;
    },
  };
  const next = async (event = 'invocations'): Promise<Message> => {
    const seen = messages.length;
    for (;;) {
      const found = messages.slice(seen).find((m) => m.event === event);
      if (found) return found;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { req: req as IncomingMessage, res: res as unknown as ServerResponse & typeof res, messages, next };
}

const record = (functionName: string, status: 'succeeded' | 'failed', n: number): InvocationRecord => ({
  invocationId: `id-${n}`,
  functionName,
  input: { Message: `<b>${n}</b>` },
  triggerMetadata: {},
  status,
  ...(status === 'failed' ? { error: new TypeError(`bad ${n}`) } : { result: undefined }),
  durationMs: 1.23456,
  attempt: 1,
  logs: [{ level: 'information', message: `line ${n}` }],
});

describe('BoardFeed', () => {
  it('subscribes to the tap only while a page is connected', () => {
    const tap = new InvocationTap();
    const feed = new BoardFeed(tap, { flushMs: 10 });
    expect(tap.receiver).toBeUndefined();
    const a = page();
    const b = page();
    feed.open(a.req, a.res, {});
    feed.open(b.req, b.res, {});
    expect(tap.receiver).toBeDefined();
    expect(tap.subscribers).toBe(1);
    a.req.emit('close');
    expect(tap.receiver).toBeDefined();
    b.req.emit('close');
    expect(tap.receiver).toBeUndefined();
    expect(feed.pages).toBe(0);
  });

  it('sends at most maxPerFlush invocations per flush and counts the others', async () => {
    const tap = new InvocationTap();
    const feed = new BoardFeed(tap, { flushMs: 10, maxPerFlush: 3 });
    const p = page();
    feed.open(p.req, p.res, {});
    for (let i = 0; i < 10_000; i++) tap.receiver?.(record('f', 'succeeded', i), 'because');
    const { data } = await p.next();
    expect(data.received).toBe(10_000);
    expect(data.entries).toHaveLength(3);
    expect(data.entries[0]).toEqual({
      id: 'id-0',
      function: 'f',
      reason: 'because',
      status: 'succeeded',
      durationMs: 1.235,
      attempt: 1,
      at: expect.any(Number),
      input: '{"Message":"<b>0</b>"}',
      inputLength: 22,
      logs: [{ level: 'information', message: 'line 0' }],
      moreLogs: 0,
    });
    feed.close();
    expect(p.res.ended).toBe(true);
    expect(tap.receiver).toBeUndefined();
  });

  it("keeps each page's filter, and the error of a failure", async () => {
    const tap = new InvocationTap();
    const feed = new BoardFeed(tap, { flushMs: 10 });
    const failures = page();
    const ofG = page();
    feed.open(failures.req, failures.res, { status: 'failed' });
    feed.open(ofG.req, ofG.res, { function: 'G' });
    tap.receiver?.(record('f', 'succeeded', 1), 'r');
    tap.receiver?.(record('f', 'failed', 2), 'r');
    tap.receiver?.(record('g', 'succeeded', 3), 'r');
    const [failed, g] = await Promise.all([failures.next(), ofG.next()]);
    expect(failed.data.received).toBe(1);
    expect(failed.data.entries.map((e) => [e['id'], e['error']])).toEqual([['id-2', 'TypeError: bad 2']]);
    expect(g.data.entries.map((e) => e['id'])).toEqual(['id-3']);
    feed.close();
  });

  it('skips a page whose socket is full and reports what it missed with the next message', async () => {
    const tap = new InvocationTap();
    const feed = new BoardFeed(tap, { flushMs: 10, maxPerFlush: 5 });
    const p = page();
    feed.open(p.req, p.res, {});
    p.res.writableNeedDrain = true;
    for (let i = 0; i < 4; i++) tap.receiver?.(record('f', 'succeeded', i), 'r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.messages.filter((m) => m.event === 'invocations')).toEqual([]);
    p.res.writableNeedDrain = false;
    tap.receiver?.(record('f', 'succeeded', 4), 'r');
    const { data } = await p.next();
    expect(data.received).toBe(5);
    expect(data.entries.map((e) => e['id'])).toEqual(['id-4']);
    feed.close();
  });
});
