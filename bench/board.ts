/**
 * `npm run bench -- board [--invocations N]`: what the board's live feed costs the host. Invocations per
 * second of a trivial synchronous handler through the Invoker's batch path (invokeNow, as the list and
 * stream listeners call it; host.json level Warning, so no Executing/Executed lines), in one run: an
 * invoker without an InvocationTap (as before the board; the baseline, measured first and last), one with a
 * tap nobody subscribes to (no page open: what `redis-func start` does until a board connects), and one
 * with a page connected to the board's feed (every invocation builds its record, log lines included, for
 * it; the feed keeps 40 per 200 ms and counts the rest). Each row is the median of three runs after a
 * warm-up run.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseHostJson } from '../src/config/host-json';
import { BoardFeed } from '../src/host/board/board-feed';
import { InvocationTap } from '../src/invoke/invocation-tap';
import { Invoker, type InvocationRequest } from '../src/invoke/invoker';
import type { ResolvedFunction } from '../src/triggers/trigger';
import { devNullLogger, option, printTable } from './util';

let handled = 0;
const handler = (): void => {
  handled++;
};

const fn = {
  name: 'onMessage',
  triggerType: 'redisListTrigger',
  options: { connection: 'R' },
  disabled: false,
  retry: undefined,
  inputs: [],
  outputs: [],
  definition: { handler, trigger: { type: 'redisListTrigger', name: 'trigger' } },
} as unknown as ResolvedFunction;

function loop(n: number, once: () => void): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) once();
  return n / ((performance.now() - started) / 1000);
}

function median(n: number, once: () => void): number {
  loop(n, once);
  const rates = [loop(n, once), loop(n, once), loop(n, once)];
  return rates.sort((a, b) => a - b)[1] ?? 0;
}

function invoking(tap: InvocationTap | undefined): () => void {
  const host = parseHostJson({ version: '2.0', logging: { logLevel: { default: 'Warning' } } });
  const invoker = new Invoker({ logger: devNullLogger(), host, ...(tap ? { tap } : {}) });
  const request: InvocationRequest = {
    fn,
    input: { Trigger: 'jobs', Message: 'a job' },
    triggerMetadata: {},
    reason: 'New element on list jobs',
  };
  return () => void invoker.invokeNow(request);
}

/** A page connected to the feed: its stream is read and thrown away. */
function connectPage(feed: BoardFeed): () => void {
  const req = new EventEmitter() as IncomingMessage;
  const res = {
    writableNeedDrain: false,
    writeHead: () => res,
    write: () => true,
    end: () => undefined,
  } as unknown as ServerResponse;
  feed.open(req, res, {});
  return () => req.emit('close');
}

export async function run(args: readonly string[]): Promise<void> {
  const n = option(args, 'invocations', 1_000_000);
  const baseline = median(n, invoking(undefined));
  const rows: (string | number)[][] = [];
  const add = (label: string, rate: number): void =>
    void rows.push([label, rate, `${Math.round((rate / baseline) * 100)}%`]);
  add('no tap (baseline)', baseline);
  const tap = new InvocationTap();
  const withTap = invoking(tap);
  add('tap, no page open', median(n, withTap));
  const feed = new BoardFeed(tap);
  const disconnect = connectPage(feed);
  add('tap, a board page connected', median(n, withTap));
  disconnect();
  feed.close();
  add('tap, the page gone again', median(n, withTap));
  add('no tap, again', median(n, invoking(undefined)));
  if (handled === 0) throw new Error('the handler never ran');
  printTable(['path', 'invocations/s', 'of baseline'], rows);
  await Promise.resolve();
}
