import type { InvocationContext } from '@azure/functions';
import { parseHostJson } from '../../../src/config/host-json';
import { createLogger } from '../../../src/logging';
import { invocationSignal } from '../../../src/invoke/abort-signal';
import { Attempt, FunctionLines } from '../../../src/invoke/attempt';
import { InvocationTap } from '../../../src/invoke/invocation-tap';
import {
  Invoker,
  type InvocationRecord,
  type InvocationStatus,
  type InvokerOptions,
  type MessageEnding,
} from '../../../src/invoke/invoker';
import type { ResolvedFunction } from '../../../src/triggers/trigger';

/**
 * Invoker.invokeMessage (the Pub/Sub listener's path): while nothing needs an attempt's record or lines,
 * a handler runs with a context of its own and no Attempt unless it fails or awaits. What the handler,
 * the log and the metrics see must be what the attempt path gives.
 */
type Handler = (input: unknown, context: InvocationContext) => unknown;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function fnWith(handler: Handler): ResolvedFunction {
  return {
    name: 'f',
    triggerType: 'redisPubSubTrigger',
    options: { connection: 'Redis' },
    disabled: false,
    retry: undefined,
    inputs: [],
    outputs: [],
    definition: { handler, trigger: { type: 'redisPubSubTrigger', name: 'message' } } as never,
  };
}

/** An invoker logging JSON lines at `level` (Warning: no Executing/Executed lines), with what it reported. */
function setUp(options: { level?: string; functionTimeout?: string } & Partial<InvokerOptions> = {}): {
  invoker: Invoker;
  lines: Record<string, unknown>[];
  ended: [string, InvocationStatus, number][];
  /** Each report's duration per invocation, by function (the last one). */
  durations: Map<string, number>;
} {
  const lines: Record<string, unknown>[] = [];
  const ended: [string, InvocationStatus, number][] = [];
  const durations = new Map<string, number>();
  const invoker = new Invoker({
    logger: createLogger({
      json: true,
      destination: { write: (line: string) => !!lines.push(JSON.parse(line) as Record<string, unknown>) },
    }),
    host: parseHostJson({
      version: '2.0',
      functionTimeout: options.functionTimeout ?? '00:05:00',
      logging: { logLevel: { default: options.level ?? 'Warning' } },
    }),
    onEnded: (name, status, ms, count) => {
      ended.push([name, status, count]);
      durations.set(name, ms);
    },
    tap: options.tap,
    onInvocation: options.onInvocation,
    recordLogs: options.recordLogs,
  });
  return { invoker, lines, ended, durations };
}

/**
 * invokeMessage as the Pub/Sub listener calls it: undefined when the invocation ended at once, else a
 * promise of its end (rejected with what reporting its outcome threw).
 */
function deliver(
  invoker: Invoker,
  fn: ResolvedFunction,
  metadata: Record<string, unknown> = {},
): Promise<unknown> | undefined {
  let ending: MessageEnding = { resolved: () => undefined, rejected: () => undefined };
  const ended = new Promise((resolve, reject) => (ending = { resolved: resolve, rejected: reject }));
  const atOnce = invoker.invokeMessage(fn, 'in', metadata, 'New Redis message', invoker.messageClock, ending);
  return atOnce ? undefined : ended;
}

const send = (invoker: Invoker, handler: Handler, metadata: Record<string, unknown> = {}) =>
  deliver(invoker, fnWith(handler), metadata);

/** After the clock's run has ended (it reports quick invocations in a tick). */
const afterRun = () => new Promise((resolve) => setImmediate(resolve));

/** Which sink each handler line went to: the function's (quick path) or an attempt's. */
function watchSinks(): { quick: jest.SpyInstance; attempt: jest.SpyInstance } {
  return {
    quick: jest.spyOn(FunctionLines.prototype, 'line'),
    attempt: jest.spyOn(Attempt.prototype, 'line'),
  };
}

describe('Invoker.invokeMessage', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives a quick handler a full context whose lines carry its id, which setting invocationId does not change', async () => {
    const { invoker, lines, ended } = setUp();
    const sinks = watchSinks();
    const seen: unknown[] = [];
    const pending = send(
      invoker,
      (input, context) => {
        const id = context.invocationId;
        seen.push(input, id, context.invocationId, context.functionName, context.triggerMetadata);
        seen.push(context.options.trigger.name, context.retryContext);
        context.invocationId = 'set-by-handler';
        seen.push(context.invocationId);
        context.warn('careful', 1);
        context.log('not logged at Warning');
      },
      { Channel: 'c' },
    );
    expect(pending).toBeUndefined();
    expect([sinks.quick.mock.calls.length, sinks.attempt.mock.calls.length]).toEqual([2, 0]);
    const [input, id, again, functionName, metadata, triggerName, retryContext, set] = seen;
    expect(id).toMatch(UUID);
    expect([input, again, functionName, metadata, triggerName, retryContext, set]).toEqual([
      'in',
      id,
      'f',
      { Channel: 'c' },
      'message',
      undefined,
      'set-by-handler',
    ]);
    expect(lines.map((l) => [l['level'], l['msg'], l['invocationId'], l['functionName']])).toEqual([
      ['warn', 'careful 1', id, 'f'],
    ]);
    await afterRun();
    expect(ended).toEqual([['f', 'succeeded', 1]]);
    expect(invoker.activeCount).toBe(0);
  });

  it('gives each invocation an id of its own', async () => {
    const { invoker } = setUp();
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) void send(invoker, (_input, context) => void ids.push(context.invocationId));
    expect(new Set(ids).size).toBe(20);
    await afterRun();
  });

  it('fails a handler that throws, with an Executed line that carries the id the handler saw', () => {
    const { invoker, lines, ended } = setUp();
    let id = '';
    const pending = send(invoker, (_input, context) => {
      id = context.invocationId;
      throw new Error('boom');
    });
    expect(pending).toBeUndefined();
    expect(ended).toEqual([['f', 'failed', 1]]);
    const failed = lines.find((l) => l['level'] === 'error');
    expect(failed?.['msg']).toMatch(
      new RegExp(`^Executed 'Functions\\.f' \\(Failed, Id=${id}, Duration=\\d+ms\\)$`),
    );
    expect(failed?.['invocationId']).toBe(id);
    expect((failed?.['err'] as { message: string }).message).toBe('boom');
    expect(invoker.activeCount).toBe(0);
  });

  it('awaits a handler that returns a promise, under functionTimeout, its lines still carrying its id', async () => {
    const { invoker, lines, ended } = setUp({ functionTimeout: '00:00:00.05' });
    let id = '';
    let aborted: unknown;
    const pending = send(invoker, async (_input, context) => {
      id = context.invocationId;
      const signal = invocationSignal(context);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      aborted = signal.reason;
      context.warn('stopped');
    });
    expect(pending).toBeInstanceOf(Promise);
    expect(invoker.activeCount).toBe(1);
    await pending;
    expect(ended).toEqual([['f', 'failed', 1]]);
    expect((aborted as Error).name).toBe('FunctionTimeoutError');
    const timedOut = lines.find((l) => l['level'] === 'error');
    expect(timedOut?.['msg']).toMatch(new RegExp(`^Executed 'Functions\\.f' \\(Failed, Id=${id}, `));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines.find((l) => l['msg'] === 'stopped')?.['invocationId']).toBe(id);
    expect(invoker.activeCount).toBe(0);
  });

  it('reports a promise that resolves as a success of its own', async () => {
    const { invoker, ended } = setUp();
    const pending = send(invoker, () => new Promise((resolve) => setTimeout(resolve, 5)));
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(ended).toEqual([['f', 'succeeded', 1]]);
    await expect(invoker.idle()).resolves.toBeUndefined();
  });

  it('logs Executing/Executed with the id the handler saw when the function logs them', async () => {
    const { invoker, lines } = setUp({ level: 'Information' });
    let id = '';
    void send(invoker, (_input, context) => {
      id = context.invocationId;
      context.log('handled');
    });
    expect(id).toMatch(UUID);
    expect(lines.map((l) => [l['msg'], l['invocationId']])).toEqual([
      [`Executing 'Functions.f' (Reason='New Redis message', Id=${id})`, id],
      ['handled', id],
      [expect.stringMatching(new RegExp(`^Executed 'Functions\\.f' \\(Succeeded, Id=${id}, `)), id],
    ]);
    await afterRun();
  });

  it('keeps the lines in the record of an invocation the board receives, and goes quick again after', async () => {
    const tap = new InvocationTap();
    const { invoker, lines } = setUp({ tap });
    const records: InvocationRecord[] = [];
    const sinks = watchSinks();
    const stop = tap.subscribe((record) => records.push(record));
    let id = '';
    void send(invoker, (_input, context) => {
      id = context.invocationId;
      context.warn('seen');
    });
    stop();
    void send(invoker, (_input, context) => context.warn('unseen'));
    expect(records.map((r) => [r.invocationId, r.status, r.logs])).toEqual([
      [id, 'succeeded', [{ level: 'warning', message: 'seen' }]],
    ]);
    expect(lines.map((l) => l['msg'])).toEqual(['seen', 'unseen']);
    expect([sinks.attempt.mock.calls.length, sinks.quick.mock.calls.length]).toEqual([1, 1]);
    await afterRun();
  });

  it('takes the attempt path whenever the invoker gives records or keeps lines', async () => {
    const records: InvocationRecord[] = [];
    const logging: Handler = (_input, context) => context.warn('line');
    const sinks = watchSinks();
    const recorded = setUp({ onInvocation: (r) => records.push(r) });
    void send(recorded.invoker, logging);
    void send(setUp({ recordLogs: true }).invoker, logging);
    expect([sinks.quick.mock.calls.length, sinks.attempt.mock.calls.length]).toEqual([0, 2]);
    expect(records.map((r) => [r.status, r.invocationId === recorded.lines[0]?.['invocationId']])).toEqual([
      ['succeeded', true],
    ]);
    await afterRun();
  });

  it('leaves the clock free after a quick handler fails, awaits or returns an odd thenable', async () => {
    const { invoker, ended } = setUp();
    const clock = invoker.messageClock;
    void send(invoker, () => undefined);
    void send(invoker, () => {
      throw new Error('no');
    });
    expect(clock.busy).toBe(false);
    const oddThenable = {
      get then(): never {
        throw new Error('odd');
      },
    };
    expect(send(invoker, () => oddThenable)).toBeUndefined();
    expect(clock.busy).toBe(false);
    const pending = send(invoker, () => Promise.resolve());
    expect(clock.busy).toBe(false);
    void send(invoker, () => undefined);
    await pending;
    await afterRun();
    // the quick one before the failure was reported when the failure closed its group
    expect(ended).toEqual([
      ['f', 'succeeded', 1],
      ['f', 'failed', 1],
      ['f', 'failed', 1],
      ['f', 'succeeded', 1],
      ['f', 'succeeded', 1],
    ]);
    expect(invoker.activeCount).toBe(0);
  });

  it("ends the invocation when the function's state cannot be made", () => {
    const { invoker } = setUp({ level: 'Warning' });
    const broken = fnWith(() => undefined);
    Object.defineProperty(broken, 'definition', {
      get(): never {
        throw new Error('no definition');
      },
    });
    expect(() => deliver(invoker, broken)).toThrow('no definition');
    expect(invoker.activeCount).toBe(0);
    expect(invoker.messageClock.busy).toBe(false);
  });

  it("leaves a quick outer invocation's group alone when its handler starts one with retries", async () => {
    const { invoker, ended, durations } = setUp();
    const retry = {
      strategy: 'fixedDelay' as const,
      maxRetryCount: 1,
      minimumIntervalMs: 1,
      maximumIntervalMs: 1,
    };
    const retried = { ...fnWith(() => undefined), name: 'g', retry } as const;
    void send(invoker, () => {
      void deliver(invoker, retried);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outer = ended.find(([name]) => name === 'f');
    expect(outer).toEqual(['f', 'succeeded', 1]);
    expect(durations.get('f')).toBeLessThan(1000); // not the time since the process started
  });

  it('times a function whose handler awaited last time without the clock, and goes back to it when it returns at once', async () => {
    const { invoker, ended } = setUp();
    const clock = invoker.messageClock;
    let awaits = true;
    const fn = fnWith(() => (awaits ? Promise.resolve() : undefined));
    await deliver(invoker, fn); // on the clock: it finds out that the handler awaits
    const endRun = jest.spyOn(process, 'nextTick');
    await deliver(invoker, fn); // timed alone: nothing scheduled for the clock's end of run
    expect(endRun).not.toHaveBeenCalled();
    awaits = false;
    expect(deliver(invoker, fn)).toBeUndefined(); // returned at once: reported at once, timed alone
    expect(ended).toEqual([
      ['f', 'succeeded', 1],
      ['f', 'succeeded', 1],
      ['f', 'succeeded', 1],
    ]);
    expect(clock.pending).toBe(0);
    expect(deliver(invoker, fn)).toBeUndefined(); // back on the clock: in a group until the run ends
    expect(clock.pending).toBe(1);
    expect(endRun).toHaveBeenCalled();
    await afterRun();
    expect(ended).toHaveLength(4);
    expect(invoker.activeCount).toBe(0);
  });

  it('fails a handler that throws after it awaited last time, timed alone', async () => {
    const { invoker, ended, durations } = setUp();
    let awaits = true;
    const fn = fnWith(() => {
      if (awaits) return Promise.resolve();
      throw new Error('no');
    });
    await deliver(invoker, fn);
    awaits = false;
    expect(deliver(invoker, fn)).toBeUndefined();
    expect(ended.at(-1)).toEqual(['f', 'failed', 1]);
    expect(durations.get('f')).toBeLessThan(1000);
    expect(invoker.messageClock.busy).toBe(false);
    expect(invoker.activeCount).toBe(0);
  });

  describe('a function timed alone, next to quick ones of another function', () => {
    function busyFor(ms: number): void {
      const until = performance.now() + ms;
      while (performance.now() < until);
    }
    /** f (whose handler awaits) has run once, so that it is timed alone from now on. */
    async function withAwaitingF(handler: Handler) {
      const setup = setUp();
      let first = true;
      const f = fnWith((input, context) => {
        if (first) {
          first = false;
          return Promise.resolve();
        }
        return handler(input, context);
      });
      await deliver(setup.invoker, f);
      setup.ended.length = 0;
      const g = { ...fnWith(() => undefined), name: 'g' };
      return { ...setup, f, g };
    }

    it("keeps its synchronous time out of another function's open group", async () => {
      const { invoker, ended, durations, f, g } = await withAwaitingF(() => {
        busyFor(20);
        return Promise.resolve();
      });
      void deliver(invoker, g);
      const pending = deliver(invoker, f);
      void deliver(invoker, g);
      await pending;
      await afterRun();
      expect(ended.filter(([name]) => name === 'g').reduce((sum, [, , count]) => sum + count, 0)).toBe(2);
      expect(durations.get('g')).toBeLessThan(5); // each g's share: none of f's 20 ms
      expect(durations.get('f')).toBeGreaterThanOrEqual(20);
    });

    it('times an invocation its handler starts on its own, not in a group that takes in the rest of the handler', async () => {
      const { invoker, durations, f, g } = await withAwaitingF(() => {
        void deliver(invoker, g); // as the test host delivers
        busyFor(20);
        return Promise.resolve();
      });
      await deliver(invoker, f);
      await afterRun();
      expect(durations.get('g')).toBeLessThan(5);
      expect(invoker.messageClock.busy).toBe(false);
    });
  });
});
