import pino from 'pino';
import type { InvocationContext } from '@azure/functions';
import { parseHostJson } from '../../../src/config/host-json';
import { FunctionTimeoutError } from '../../../src/errors';
import { createLogger } from '../../../src/logging';
import { invocationSignal } from '../../../src/invoke/abort-signal';
import { Invoker, type InvocationRecord } from '../../../src/invoke/invoker';
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

function invoker(functionTimeout = '00:00:00.2'): { invoker: Invoker; records: InvocationRecord[] } {
  const records: InvocationRecord[] = [];
  const host = parseHostJson({ version: '2.0', functionTimeout });
  const invoker = new Invoker({
    logger: pino({ level: 'silent' }),
    host,
    onInvocation: (r) => records.push(r),
  });
  return { invoker, records };
}

const run = (i: Invoker, handler: Handler) =>
  i.invoke({ fn: fnWith(handler), input: 'in', triggerMetadata: {}, reason: 'test' });

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
});
