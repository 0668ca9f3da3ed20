import pino from 'pino';
import type { InvocationContext } from '@azure/functions';
import { parseHostJson } from '../../../src/config/host-json';
import { FunctionTimeoutError } from '../../../src/errors';
import { createLogger } from '../../../src/logging';
import { invocationSignal } from '../../../src/invoke/abort-signal';
import { InvocationTap } from '../../../src/invoke/invocation-tap';
import {
  Invoker,
  type InvocationOutcome,
  type InvocationRecord,
  type MessageEnding,
} from '../../../src/invoke/invoker';
import { HandoffClock, MESSAGE_GROUP } from '../../../src/invoke/run-clocks';
import type { ResolvedFunction } from '../../../src/triggers/trigger';

type Handler = (input: unknown, context: InvocationContext) => unknown;

function fnWith(handler: Handler): ResolvedFunction {
  return {
    name: 'f',
    triggerType: 'redisListTrigger',
    options: { connection: 'Redis' },
    disabled: false,
    retry: undefined,
    inputs: [],
    outputs: [],
    definition: { handler, trigger: { type: 'redisListTrigger', name: 'trigger' } } as never,
  };
}

function invoker(
  functionTimeout = '00:00:00.2',
  recordLogs = false,
): { invoker: Invoker; records: InvocationRecord[] } {
  const records: InvocationRecord[] = [];
  const host = parseHostJson({ version: '2.0', functionTimeout });
  const invoker = new Invoker({
    logger: pino({ level: 'silent' }),
    host,
    onInvocation: (r) => records.push(r),
    recordLogs,
  });
  return { invoker, records };
}

const request = (handler: Handler) => ({
  fn: fnWith(handler),
  input: 'in',
  triggerMetadata: {},
  reason: 'test',
});
const run = (i: Invoker, handler: Handler) => i.invoke(request(handler));

/** The end of a message that ran on, for tests that wait with idle() instead. */
const IGNORED: MessageEnding = { resolved: () => undefined, rejected: () => undefined };

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('Invoker', () => {
  it('takes a synchronous handler: its value succeeds, its throw fails', async () => {
    const { invoker: i, records } = invoker();
    const ok = await run(i, (input) => `got ${String(input)}`);
    const thrown = new Error('sync boom');
    const failed = await run(i, () => {
      throw thrown;
    });
    expect(ok).toMatchObject({ status: 'succeeded', result: 'got in', attempt: 1 });
    expect(failed).toMatchObject({ status: 'failed', error: thrown });
    expect(records).toEqual([ok, failed]);
    expect(i.activeCount).toBe(0);
  });

  it('takes promises and other thenables, resolved or rejected', async () => {
    const { invoker: i } = invoker();
    const thenable = { then: (resolve: (v: unknown) => void) => setTimeout(() => resolve('later'), 5) };
    expect(await run(i, () => thenable)).toMatchObject({ status: 'succeeded', result: 'later' });
    expect(await run(i, () => Promise.reject(new Error('async boom')))).toMatchObject({
      status: 'failed',
      error: new Error('async boom'),
    });
  });

  it('fails, and ends, an invocation whose value has a `then` that throws', async () => {
    const { invoker: i } = invoker();
    const getter = await run(i, () => ({
      get then(): never {
        throw new Error('no then');
      },
    }));
    const method = await run(i, () => ({
      then: () => {
        throw new Error('then threw');
      },
    }));
    expect([getter.status, method.status]).toEqual(['failed', 'failed']);
    expect(String(method.error)).toContain('then threw');
    expect(i.activeCount).toBe(0);
  });

  it('fails a handler that outlives functionTimeout, aborts its signal, and ignores its late result', async () => {
    const { invoker: i, records } = invoker('00:00:00.05');
    let signal: AbortSignal | undefined;
    let finishLate: (() => void) | undefined;
    const record = await run(i, (_input, context) => {
      signal = invocationSignal(context);
      return new Promise<string>((resolve) => (finishLate = () => resolve('too late')));
    });
    expect(record.status).toBe('failed');
    expect(record.error).toBeInstanceOf(FunctionTimeoutError);
    expect(signal?.aborted).toBe(true);
    finishLate?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(records).toHaveLength(1);
    expect(i.activeCount).toBe(0);
  });

  it('counts functionTimeout over the whole invocation, its synchronous part included', async () => {
    const { invoker: i } = invoker('00:00:00.1');
    const record = await run(i, async () => {
      busyFor(60); // synchronous, before the handler's promise exists
      await new Promise((resolve) => setTimeout(resolve, 80));
      return 'late';
    });
    expect(record.status).toBe('failed');
    expect(record.error).toBeInstanceOf(FunctionTimeoutError);
  });

  it('counts invocations in flight until each settles', async () => {
    const { invoker: i } = invoker();
    let release: (() => void) | undefined;
    const running = run(i, () => new Promise<void>((resolve) => (release = resolve)));
    expect(i.activeCount).toBe(1);
    let idle = false;
    void i.idle().then(() => (idle = true));
    release?.();
    await running;
    await Promise.resolve();
    expect([i.activeCount, idle]).toEqual([0, true]);
  });

  it('logs Executing/Executed with the function and invocation, and redacts what a failure carries', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      json: true,
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const host = parseHostJson({ version: '2.0' });
    const i = new Invoker({ logger, host });
    const ok = await run(i, () => 'fine');
    const failed = await run(i, () => {
      throw Object.assign(new Error('no'), { password: 'hunter2' });
    });
    expect(lines.map((l) => [l['functionName'], l['invocationId'], String(l['msg']).split(' (')[0]])).toEqual(
      [
        ['f', ok.invocationId, "Executing 'Functions.f'"],
        ['f', ok.invocationId, "Executed 'Functions.f'"],
        ['f', failed.invocationId, "Executing 'Functions.f'"],
        ['f', failed.invocationId, "Executed 'Functions.f'"],
      ],
    );
    expect(lines[3]).toMatchObject({ level: 'error', err: { password: '[redacted]' } });
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  describe('invokeNow', () => {
    it("returns a synchronous handler's record at once, and a promise for anything else", async () => {
      const { invoker: i, records } = invoker();
      const now = i.invokeNow(request(() => 'sync'));
      expect(now).not.toBeInstanceOf(Promise);
      expect(now).toMatchObject({ status: 'succeeded', result: 'sync' });
      expect(i.activeCount).toBe(0);
      const thrown = i.invokeNow(
        request(() => {
          throw new Error('sync boom');
        }),
      );
      expect(thrown).toMatchObject({ status: 'failed', error: new Error('sync boom') });
      const later = i.invokeNow(request(() => Promise.resolve('async')));
      expect(later).toBeInstanceOf(Promise);
      expect(i.activeCount).toBe(1);
      expect(await later).toMatchObject({ status: 'succeeded', result: 'async' });
      expect(records.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
      expect(i.activeCount).toBe(0);
    });

    it('goes through the retry policy (a promise) when a retry may be due', async () => {
      const { invoker: i } = invoker();
      let calls = 0;
      const fn = {
        ...fnWith(() => {
          calls++;
          if (calls === 1) throw new Error('first fails');
          return 'second';
        }),
        retry: {
          strategy: 'fixedDelay',
          maxRetryCount: 1,
          minimumIntervalMs: 1,
          maximumIntervalMs: 1,
        } as const,
      };
      const outcome = i.invokeNow({ fn, input: 'in', triggerMetadata: {}, reason: 'test' });
      expect(outcome).toBeInstanceOf(Promise);
      expect(await outcome).toMatchObject({ status: 'succeeded', result: 'second', attempt: 2 });
      expect(i.activeCount).toBe(0);
    });

    it('ends the invocation and throws when reporting a synchronous record throws', () => {
      const i = new Invoker({
        logger: pino({ level: 'silent' }),
        host: parseHostJson({ version: '2.0' }),
        onInvocation: () => {
          throw new Error('report failed');
        },
      });
      expect(() => i.invokeNow(request(() => 'x'))).toThrow('report failed');
      expect(i.activeCount).toBe(0);
    });

    const quietInvoker = () =>
      new Invoker({ logger: pino({ level: 'silent' }), host: parseHostJson({ version: '2.0' }) });

    it('hands a clock reading from a synchronous invocation to the next one on the same HandoffClock', () => {
      const i = quietInvoker();
      const clock = new HandoffClock();
      const slow = i.invokeNow(
        request(() => busyFor(15)),
        clock,
      ) as InvocationOutcome;
      const left = clock.reading;
      expect(left).toBeDefined();
      busyFor(20); // the listener's step; it would count in the next duration, so it is kept short
      const next = i.invokeNow(
        request(() => 'quick'),
        clock,
      ) as InvocationOutcome;
      expect(slow.durationMs).toBeGreaterThanOrEqual(15);
      expect(next.durationMs).toBeGreaterThanOrEqual(20); // it started at the reading the slow one left
      expect(clock.reading).toBeGreaterThan(left as number);
      const alone = i.invokeNow(request(() => 'quick')) as InvocationOutcome;
      expect(alone.durationMs).toBeLessThan(10); // no clock: reads its own start
    });

    it('leaves no reading after a promise, an Executed line, or for onInvocation', async () => {
      const quiet = quietInvoker();
      const clock = new HandoffClock();
      clock.endQuick(); // a reading left by an invocation before
      const pending = quiet.invokeNow(
        request(() => Promise.resolve()),
        clock,
      );
      expect(clock.reading).toBeUndefined(); // taken as its start
      await pending;
      expect(clock.reading).toBeUndefined();
      const host = parseHostJson({ version: '2.0' }); // Information: Executed lines are logged
      const logged = new Invoker({
        logger: createLogger({ json: true, destination: { write: () => true } }),
        host,
      });
      expect(
        logged.invokeNow(
          request(() => 'x'),
          clock,
        ),
      ).toMatchObject({ status: 'succeeded' });
      expect(clock.reading).toBeUndefined();
      const watched = new Invoker({ logger: pino({ level: 'silent' }), host, onInvocation: () => undefined });
      expect(
        watched.invokeNow(
          request(() => 'x'),
          clock,
        ),
      ).toMatchObject({ status: 'succeeded' });
      expect(clock.reading).toBeUndefined();
      expect(
        quiet.invokeNow(
          request(() => 'x'),
          clock,
        ),
      ).toMatchObject({ status: 'succeeded' });
      expect(clock.reading).toBeDefined();
    });

    const endedInvoker = () => {
      const ended: { name: string; status: string; durationMs: number; count: number }[] = [];
      const i = new Invoker({
        logger: pino({ level: 'silent' }),
        host: parseHostJson({ version: '2.0' }),
        onEnded: (name, status, durationMs, count) => void ended.push({ name, status, durationMs, count }),
      });
      return { i, ended };
    };
    const laterRead = () => new Promise((resolve) => setTimeout(resolve, 30));
    const total = (ended: readonly { durationMs: number; count: number }[]) =>
      ended.reduce((sum, e) => sum + e.durationMs * e.count, 0);

    it("times a function's quick invocations in one synchronous run together, and another function's apart", async () => {
      const { i, ended } = endedInvoker();
      const other = { ...fnWith(() => busyFor(10)), name: 'g' };
      const clock = i.messageClock;
      void i.invokeNowUnreported(
        request(() => busyFor(15)),
        clock,
      );
      busyFor(5); // in the same run: counts in the group (in production: node-redis decoding)
      void i.invokeNowUnreported(
        request(() => 'x'),
        clock,
      );
      expect(ended).toEqual([]); // the group is still open
      expect(clock.pending).toBe(2);
      void i.invokeNowUnreported({ ...request(() => 'x'), fn: other }, clock);
      // g began: f's group closed; it took over 1 ms, so g, the rest of the run, was timed on its own
      expect(clock.pending).toBe(0);
      await laterRead();
      expect(ended.map((e) => [e.name, e.status, e.count])).toEqual([
        ['f', 'succeeded', 2],
        ['g', 'succeeded', 1],
      ]);
      expect((ended[0]?.durationMs ?? 0) * 2).toBeGreaterThanOrEqual(20); // f's group: all of its time
      expect(ended[1]?.durationMs).toBeGreaterThanOrEqual(10);
      expect(ended[1]?.durationMs).toBeLessThan(20); // none of f's
      void i.invokeNowUnreported(
        request(() => 'quick'),
        clock,
      );
      await laterRead();
      expect(ended[2]?.durationMs).toBeLessThan(10); // the 30 ms between runs count nowhere
      expect(i.activeCount).toBe(0);
    });

    it('reports every quick invocation once, grouped or not', async () => {
      const { i, ended } = endedInvoker();
      const fn = fnWith(() => 'x');
      for (let n = 0; n < MESSAGE_GROUP * 2 + 1; n++)
        void i.invokeMessage(fn, 'in', {}, 'test', i.messageClock, IGNORED);
      await laterRead();
      expect(ended.reduce((sum, e) => sum + e.count, 0)).toBe(MESSAGE_GROUP * 2 + 1);
      expect(i.messageClock.pending).toBe(0);
      expect(i.activeCount).toBe(0);
    });

    it("times an invocation begun inside another one's handler on its own, and counts each once", async () => {
      const { i, ended } = endedInvoker();
      const inner = { ...fnWith(() => busyFor(5)), name: 'g' };
      const outer = fnWith(() => {
        busyFor(5);
        void i.invokeMessage(inner, 'in', {}, 'test', i.messageClock, IGNORED); // as the test host delivers
        busyFor(5);
      });
      void i.invokeMessage(outer, 'in', {}, 'test', i.messageClock, IGNORED);
      await laterRead();
      expect(ended.map((e) => [e.name, e.count])).toEqual([
        ['g', 1],
        ['f', 1],
      ]);
      const [g, f] = ended;
      expect(g?.durationMs).toBeGreaterThanOrEqual(5);
      expect(g?.durationMs).toBeLessThan(10); // not the outer's start
      expect(f?.durationMs).toBeGreaterThanOrEqual(15); // the inner one ran inside it
      expect(i.activeCount).toBe(0);
    });

    it('finishes every invocation when reporting a group throws, and logs it', async () => {
      const lines: string[] = [];
      const i = new Invoker({
        logger: createLogger({ json: true, destination: { write: (line: string) => !!lines.push(line) } }),
        host: parseHostJson({ version: '2.0', logging: { logLevel: { default: 'Warning' } } }),
        onEnded: () => {
          throw new Error('metrics broke');
        },
      });
      let ran = 0;
      const f = fnWith(() => void ran++);
      const g = { ...f, name: 'g' };
      void i.invokeMessage(f, 'in', {}, 'test', i.messageClock, IGNORED);
      void i.invokeMessage(g, 'in', {}, 'test', i.messageClock, IGNORED); // closes f's group: its report throws
      await laterRead();
      expect(ran).toBe(2);
      expect(i.activeCount).toBe(0);
      await expect(i.idle()).resolves.toBeUndefined();
      expect(lines.join('')).toMatch(/Reporting 1 invocation\(s\) of 'f' failed/);
    });

    it('times the rest of a run one by one after a slow group', async () => {
      const { i, ended } = endedInvoker();
      const clock = i.messageClock;
      void i.invokeNowUnreported(
        request(() => busyFor(3)),
        clock,
      );
      for (let n = 1; n < MESSAGE_GROUP; n++)
        void i.invokeNowUnreported(
          request(() => 'x'),
          clock,
        );
      expect(ended).toHaveLength(1); // the slow group: 16 shares of 3 ms and more
      expect(ended[0]?.count).toBe(MESSAGE_GROUP);
      void i.invokeNowUnreported(
        request(() => busyFor(3)),
        clock,
      );
      void i.invokeNowUnreported(
        request(() => 'x'),
        clock,
      );
      expect(ended.slice(1).map((e) => e.count)).toEqual([1, 1]); // each timed on its own
      expect(ended[1]?.durationMs).toBeGreaterThanOrEqual(3);
      expect(ended[2]?.durationMs).toBeLessThan(3);
      await laterRead();
      void i.invokeNowUnreported(
        request(() => 'x'),
        clock,
      );
      expect(clock.pending).toBe(1); // a new run groups again
    });

    it('gives an invocation that fails or awaits in a group an even share as its start, and leaves no reading', async () => {
      const { i, ended } = endedInvoker();
      const clock = i.messageClock;
      void i.invokeNowUnreported(
        request(() => busyFor(10)),
        clock,
      );
      const failing = request(() => {
        busyFor(10);
        throw new Error('no');
      });
      expect(i.invokeNowUnreported(failing, clock)).toBeUndefined();
      expect(clock.pending).toBe(0); // the quick one was reported with the failure's start
      expect(ended.map((e) => [e.status, e.count])).toEqual([
        ['succeeded', 1],
        ['failed', 1],
      ]);
      expect(ended[0]?.durationMs).toBeGreaterThanOrEqual(10);
      expect(ended[1]?.durationMs).toBeGreaterThanOrEqual(10);
      expect(total(ended)).toBeGreaterThanOrEqual(20);
      await laterRead(); // a new run (that group was slow: the rest of its run was timed one by one)
      void i.invokeNowUnreported(
        request(() => busyFor(0.4)),
        clock,
      );
      expect(clock.pending).toBe(1);
      const waiting = i.invokeNowUnreported(
        request(() => laterRead()),
        clock,
      );
      expect(waiting).toBeInstanceOf(Promise);
      expect(clock.pending).toBe(0); // reported as the awaiting one started
      await waiting;
      expect(ended.map((e) => e.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
      const share = ended[2]?.durationMs ?? 0;
      expect(share).toBeGreaterThanOrEqual(0.2); // half of a group of 0.4 ms and more
      // its await counts in its duration (its corrected start: run-clocks.test.ts)
      expect(ended[3]?.durationMs).toBeGreaterThanOrEqual(25);
    });

    it('times an invocation that logs its lines or is recorded on its own, closing the group before it', () => {
      const records: InvocationRecord[] = [];
      const ended: number[] = [];
      const i = new Invoker({
        logger: pino({ level: 'silent' }),
        host: parseHostJson({ version: '2.0' }),
        onEnded: (_name, _status, _ms, count) => void ended.push(count),
        onInvocation: (r) => records.push(r),
      });
      void i.invokeNowUnreported(
        request(() => busyFor(10)),
        i.messageClock,
      );
      void i.invokeNowUnreported(
        request(() => 'x'),
        i.messageClock,
      );
      expect(i.messageClock.pending).toBe(0);
      expect(ended).toEqual([1, 1]);
      expect(records[0]?.durationMs).toBeGreaterThanOrEqual(10);
      expect(records[1]?.durationMs).toBeLessThan(10);
    });

    it('reports an unreported invocation to onEnded and onInvocation, and its promise when it awaits', async () => {
      const ended: string[] = [];
      const records: InvocationRecord[] = [];
      const i = new Invoker({
        logger: pino({ level: 'silent' }),
        host: parseHostJson({ version: '2.0' }),
        onEnded: (_name, status) => void ended.push(status),
        onInvocation: (r) => records.push(r),
      });
      expect(i.invokeNowUnreported(request(() => 'x'))).toBeUndefined();
      const pending = i.invokeNowUnreported(request(() => Promise.reject(new Error('no'))));
      expect(pending).toBeInstanceOf(Promise);
      await pending;
      expect(ended).toEqual(['succeeded', 'failed']);
      expect(records.map((r) => [r.status, r.result ?? (r.error as Error).message])).toEqual([
        ['succeeded', 'x'],
        ['failed', 'no'],
      ]);
      expect(i.activeCount).toBe(0);
    });
  });

  it("keeps the handler's log lines in the record only when asked to (recordLogs)", async () => {
    const handler: Handler = (_input, context) => {
      context.log('one', 1);
      context.warn('two');
    };
    const kept = await run(invoker(undefined, true).invoker, handler);
    const dropped = await run(invoker().invoker, handler);
    expect(kept.logs).toEqual([
      { level: 'information', message: 'one 1' },
      { level: 'warning', message: 'two' },
    ]);
    expect(dropped.logs).toEqual([]);
  });

  it("gives ids in records (invoke, onInvocation) that match the handler's context and the log lines", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      json: true,
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const host = parseHostJson({ version: '2.0' });
    const seen: string[] = [];
    const handler: Handler = (_input, context) => void seen.push(context.invocationId);
    const quiet = new Invoker({ logger: pino({ level: 'silent' }), host });
    const outcome = quiet.invokeNow(request(handler)) as InvocationRecord;
    expect(outcome.status).toBe('succeeded');
    expect('invocationId' in outcome).toBe(false); // invokeNow, nobody to receive a record: no id made
    const received: InvocationRecord[] = [];
    const watched = new Invoker({ logger, host, onInvocation: (r) => received.push(r) });
    const now = watched.invokeNow(request(handler)) as InvocationRecord;
    const invoked = await watched.invoke(request(handler));
    expect(received).toEqual([now, invoked]);
    expect([now.invocationId, invoked.invocationId]).toEqual(seen.slice(1));
    expect(new Set(lines.map((l) => l['invocationId']))).toEqual(new Set(seen.slice(1)));
    expect(now.invocationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Invoker with an InvocationTap', () => {
  const tapped = () => {
    const tap = new InvocationTap();
    const host = parseHostJson({ version: '2.0' });
    return { tap, invoker: new Invoker({ logger: pino({ level: 'silent' }), host, tap }) };
  };
  const logging: Handler = (_input, context) => {
    context.log('handled');
    return 'done';
  };

  it('hands records, log lines and reason included, to subscribers only while they are subscribed', async () => {
    const { tap, invoker: i } = tapped();
    const seen: [InvocationRecord, string][] = [];
    expect((await run(i, logging)).logs).toEqual([]); // nobody listens: no lines kept

    const unsubscribe = tap.subscribe((record, reason) => seen.push([record, reason]));
    const batch = i.invokeNow(request(logging)) as InvocationRecord; // the batch listeners' path
    await run(i, () => {
      throw new Error('no');
    });
    expect(seen.map(([r, reason]) => [r.status, r.logs, reason])).toEqual([
      ['succeeded', [{ level: 'information', message: 'handled' }], 'test'],
      ['failed', [], 'test'],
    ]);
    expect(seen[0]?.[0].invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.[0]).toBe(batch);

    unsubscribe();
    await run(i, logging);
    expect(seen).toHaveLength(2);
    expect(tap.receiver).toBeUndefined();
  });

  it('calls every subscriber', async () => {
    const { tap, invoker: i } = tapped();
    const a: string[] = [];
    const b: string[] = [];
    tap.subscribe((r) => a.push(r.invocationId));
    const stopB = tap.subscribe((r) => b.push(r.invocationId));
    await run(i, logging);
    stopB();
    await run(i, logging);
    expect(a).toHaveLength(2);
    expect(b).toEqual([a[0]]);
  });
});
