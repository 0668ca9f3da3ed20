/**
 * `npm run bench -- memory [--messages N]`: invocations per second of a trivial handler through the
 * in-memory test host (`publish` and `lpush`; one row with a handler that logs a line), next to calling the handler directly in a plain loop
 * (the ceiling), in one run. Each row is the median of three runs after a warm-up run. Target: >= 100k
 * invocations/s.
 */
import { trigger, type InvocationContext } from '@azure/functions';
import { createTestHost, type TestHost } from '../src/testing';
import { printTable, option } from './util';

let handled = 0;
const handler = (): void => {
  handled++;
};
/** A handler as real apps write them: one `context.log` line per invocation (the record keeps it). */
const loggingHandler = (model: unknown, context: InvocationContext): void => {
  handled++;
  context.log('handled', (model as { Message: string }).Message);
};

async function plainLoop(n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await Promise.resolve(handler());
  return n / ((performance.now() - started) / 1000);
}

async function once(n: number, run: (host: TestHost) => Promise<void>, host: TestHost): Promise<number> {
  handled = 0;
  host.invocations.length = 0; // the records of earlier runs would only feed the garbage collector
  const started = performance.now();
  await run(host);
  const seconds = (performance.now() - started) / 1000;
  if (handled !== n) throw new Error(`handled ${handled} of ${n}`);
  return n / seconds;
}

/** The median of three timed runs, after one untimed run (JIT warm-up) of the same path. */
async function timed(n: number, run: (host: TestHost) => Promise<void>, host: TestHost): Promise<number> {
  await once(n, run, host);
  const rates = [await once(n, run, host), await once(n, run, host), await once(n, run, host)];
  return rates.sort((a, b) => a - b)[1] ?? 0;
}

export async function run(args: readonly string[]): Promise<void> {
  const n = option(args, 'messages', 100_000);
  const host = await createTestHost({
    functions: [
      {
        name: 'onMessage',
        options: {
          trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'R', channel: 'bench' }),
          handler,
        },
      },
      {
        name: 'onLogged',
        options: {
          trigger: trigger.generic({ type: 'redisPubSubTrigger', connection: 'R', channel: 'logged' }),
          handler: loggingHandler,
        },
      },
      {
        name: 'onElement',
        options: {
          trigger: trigger.generic({
            type: 'redisListTrigger',
            connection: 'R',
            key: 'bench',
            batchSize: 100,
            concurrency: 100,
          }),
          handler,
        },
      },
    ],
  });
  const values = Array.from({ length: n }, (_v, i) => String(i));
  const plain = await plainLoop(n);
  const rows: (string | number)[][] = [];
  const add = (label: string, rate: number): void =>
    void rows.push([label, plain, rate, `${Math.round((rate / plain) * 100)}%`]);
  add(
    'publish, awaited one by one',
    await timed(
      n,
      async (h) => {
        for (const v of values) await h.publish('bench', v);
      },
      host,
    ),
  );
  add(
    'publish, awaited one by one, handler logs a line',
    await timed(
      n,
      async (h) => {
        for (const v of values) await h.publish('logged', v);
        const last = h.invocations[h.invocations.length - 1];
        if (last?.logs[0]?.message !== `handled ${n - 1}`) throw new Error('the record lacks its log line');
      },
      host,
    ),
  );
  add(
    'publish, bursts of 1,000 then idle()',
    await timed(
      n,
      async (h) => {
        for (let i = 0; i < n; i += 1000) {
          for (const v of values.slice(i, i + 1000)) h.broker.publish('bench', v);
          await h.idle();
        }
      },
      host,
    ),
  );
  add(
    'lpush of all values, batch 100',
    await timed(n, (h) => h.lpush('bench', ...values).then(() => undefined), host),
  );
  host.invocations.length = 0;
  await host.close();
  console.log(
    `\nIn-memory test host, ${n.toLocaleString('en-US')} invocations of a no-op handler (one row logs a line per invocation) (node ${process.version})\n`,
  );
  printTable(['path', 'plain handler calls /s', 'test host invocations /s', 'ratio'], rows);
}
