/**
 * `npm run bench -- tracing [--messages N]`: what invocation spans cost. Invocations per second of a no-op
 * handler through the in-memory test host (lpush, batch 100: the listeners' synchronous hot path), without
 * an OpenTelemetry SDK (the invoker does no span work), with an SDK that samples every span out, and with
 * one recording every span into a batch processor whose exporter drops them, in one run. Each row is the
 * median of three runs after a warm-up run. What no SDK costs next to a build without tracing:
 * `npm run bench -- tracing --against DIR` (see bench/tracing-ab.ts).
 */
import { trigger } from '@azure/functions';
import { context, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { createTestHost, type TestHost } from '../src/testing';
import { childPath, runAgainst } from './tracing-ab';
import { printTable, option } from './util';

let handled = 0;
const handler = (): void => {
  handled++;
};

/** Takes every batch of spans and drops it (the export's own cost is the collector's, not the host's). */
const dropping: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

async function once(host: TestHost, values: readonly string[]): Promise<number> {
  handled = 0;
  host.invocations.length = 0;
  const started = performance.now();
  await host.lpush('bench', ...values);
  await host.idle();
  const seconds = (performance.now() - started) / 1000;
  if (handled !== values.length) throw new Error(`handled ${handled} of ${values.length}`);
  return values.length / seconds;
}

/** A fresh test host (its invoker looks for a registered SDK when made); the median of three runs. */
async function rate(values: readonly string[]): Promise<number> {
  const host = await createTestHost({
    functions: [
      {
        name: 'onElement',
        options: {
          trigger: trigger.generic({
            type: 'redisListTrigger',
            connection: 'R',
            key: 'bench',
            batchSize: 100,
          }),
          handler,
        },
      },
    ],
  });
  try {
    await once(host, values);
    const rates = [await once(host, values), await once(host, values), await once(host, values)];
    return rates.sort((a, b) => a - b)[1] ?? 0;
  } finally {
    host.invocations.length = 0;
    await host.close();
  }
}

async function withSdk(sampler: Sampler, values: readonly string[]): Promise<number> {
  const provider = new NodeTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(dropping)] });
  provider.register();
  try {
    return await rate(values);
  } finally {
    await provider.shutdown();
    trace.disable();
    context.disable();
  }
}

export async function run(args: readonly string[]): Promise<void> {
  if (args.includes('--child-path')) return childPath(args);
  if (args.includes('--against')) return runAgainst(args);
  const n = option(args, 'messages', 100_000);
  const values = Array.from({ length: n }, (_v, i) => String(i));
  const none = await rate(values);
  const rows: (string | number)[][] = [];
  const add = (label: string, measured: number): void =>
    void rows.push([label, measured, `${Math.round((measured / none) * 100)}%`]);
  add('no SDK registered (no span work)', none);
  add('SDK registered, every span sampled out', await withSdk(new AlwaysOffSampler(), values));
  add('SDK registered, every span recorded and exported', await withSdk(new AlwaysOnSampler(), values));
  console.log(
    `\nInvocation spans: in-memory test host, ${n.toLocaleString('en-US')} list elements, batch 100, no-op handler (node ${process.version})\n`,
  );
  printTable(['tracing', 'invocations /s', 'vs no SDK'], rows);
}
