import { ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { sleep } from '../timers';
import type { ListenerDeps, TriggerOptions } from './trigger';

/**
 * The loop shared by the list and stream listeners:
 * fetch a batch; handle it; fetch again at once after a full batch, otherwise wait the polling interval
 * (blocking reads wait inside `fetch` instead). After a full batch the next fetch is sent before the batch
 * is handled (when `prefetch` allows), so Redis and the handlers work at the same time; batches are still
 * handled one after the other, in order. A failed fetch is logged and retried with backoff, so the loop
 * never dies silently (the extension's loop ends on its first error). `close()` stops fetching, releases a
 * blocked read through the AbortSignal, and waits for the batch in hand and the one fetched ahead.
 */
export interface PollingLoopOptions<T> {
  /** For log lines, e.g. the function name. */
  readonly name: string;
  readonly logger: Logger;
  /** Up to `batchSize` items; empty when there is nothing. Aborted on close (blocking reads must honour it). */
  readonly fetch: (signal: AbortSignal) => Promise<readonly T[]>;
  /** Handles one batch; the loop fetches the next batch after it resolves. Must not throw. */
  readonly handle: (batch: readonly T[]) => Promise<void>;
  readonly batchSize: number;
  readonly pollingIntervalInMs: number;
  /** true when `fetch` itself waits for data (BLMPOP, XREADGROUP BLOCK): no sleep after a short batch. */
  readonly blocking: boolean;
  /** Upper bound of the backoff after errors (default 5000). */
  readonly maxBackoffMs?: number;
  /** Ends the wait after a short batch early when data may have arrived (the in-memory broker's feed). */
  readonly wake?: (signal: AbortSignal) => Promise<void>;
  /** Whether the next fetch may run while a full batch is handled (default: always). */
  readonly prefetch?: () => boolean;
  /** Awaited after sending a fetch ahead, so that it leaves before the batch runs (BrokerPorts.sendOff). */
  readonly sendOff?: () => Promise<void>;
}

/** A fetch's outcome, kept as a value so that a fetch running ahead never rejects unobserved. */
type Fetched<T> = { readonly batch: readonly T[] } | { readonly error: unknown };

export class PollingLoop<T> {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: PollingLoopOptions<T>) {}

  get running(): boolean {
    return this.loop !== undefined && !this.abort.signal.aborted;
  }

  start(): void {
    this.loop ??= this.run();
  }

  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const { batchSize, blocking, prefetch, sendOff } = this.options;
    let ahead: Promise<Fetched<T>> | undefined;
    // After close, a batch fetched ahead is still handled: its messages have left Redis (or are pending).
    while (!signal.aborted || ahead) {
      const fetched = await (ahead ?? this.fetch(signal));
      ahead = undefined;
      if ('error' in fetched) {
        if (signal.aborted) break;
        await this.backoff(fetched.error);
        continue;
      }
      if (this.failures > 0) {
        this.options.logger.info(
          `Polling for '${this.options.name}' recovered after ${this.failures} failure(s)`,
        );
        this.failures = 0;
      }
      const { batch } = fetched;
      const full = batch.length >= batchSize;
      if (full && !signal.aborted && (prefetch?.() ?? true)) {
        ahead = this.fetch(signal);
        if (sendOff) await sendOff();
      }
      if (batch.length > 0) await this.options.handle(batch);
      if (!full && !blocking) await this.pause();
    }
  }

  private fetch(signal: AbortSignal): Promise<Fetched<T>> {
    try {
      return this.options.fetch(signal).then(
        (batch) => ({ batch }),
        (error: unknown) => ({ error }),
      );
    } catch (error) {
      return Promise.resolve({ error }); // a fetch that throws instead of rejecting
    }
  }

  /** The polling interval, cut short by `wake` or by close. */
  private async pause(): Promise<void> {
    const { wake, pollingIntervalInMs } = this.options;
    if (this.abort.signal.aborted) return;
    if (!wake) return sleep(pollingIntervalInMs, this.abort.signal);
    const done = new AbortController();
    const stop = (): void => done.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    await Promise.race([sleep(pollingIntervalInMs, done.signal), wake(done.signal)]);
    done.abort();
    this.abort.signal.removeEventListener('abort', stop);
  }

  private async backoff(error: unknown): Promise<void> {
    this.failures++;
    const max = this.options.maxBackoffMs ?? 5000;
    const delay = Math.min(max, 100 * 2 ** Math.min(this.failures - 1, 10));
    const log = this.failures === 1 || this.failures % 10 === 0 ? 'warn' : 'debug';
    this.options.logger[log](
      { err: errorMessage(error), attempt: this.failures, retryInMs: delay },
      `Polling for '${this.options.name}' failed; retrying`,
    );
    await sleep(delay, this.abort.signal);
  }
}

export { sleep } from '../timers';

/**
 * Runs `work` over `items` with at most `limit` running at once; resolves when all settled. An item whose
 * work returns no promise (a synchronous handler) is done at once: a worker goes on to the next item without
 * a microtask, telling it so (`continued`: the item before it in this worker ended without a promise, just
 * now), and a second worker starts only when one is waiting on a promise.
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, continued: boolean) => void | PromiseLike<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    let continued = false;
    while (next < items.length) {
      const pending = work(items[next++] as T, continued);
      continued = !pending;
      if (pending) await pending;
    }
  };
  const workers: Promise<void>[] = [];
  while (workers.length < limit && next < items.length) workers.push(worker());
  await Promise.all(workers);
}

/** The options a polled trigger (lists, streams) shares. */
export interface PolledTriggerOptions {
  readonly keys: readonly string[];
  readonly batchSize: number;
  readonly pollingIntervalInMs: number;
  readonly mode: 'polling' | 'blocking';
}

/**
 * The loop of one list or stream listener: its options, its logger, and the broker's change feed (the
 * in-memory broker wakes a polling listener as soon as one of its keys is written).
 */
export function pollingLoopFor<T>(
  deps: ListenerDeps<TriggerOptions & PolledTriggerOptions>,
  fetch: (signal: AbortSignal) => Promise<readonly T[]>,
  handle: (batch: readonly T[]) => Promise<void>,
  prefetch?: () => boolean,
): PollingLoop<T> {
  const { fn, ports, logger } = deps;
  const { sendOff } = ports;
  const o = fn.options;
  const watcher = ports.changes?.watch(o.keys);
  return new PollingLoop({
    name: fn.name,
    logger,
    fetch,
    handle,
    batchSize: o.batchSize,
    pollingIntervalInMs: o.pollingIntervalInMs,
    blocking: o.mode === 'blocking',
    wake: watcher ? (signal) => watcher.next(signal) : undefined,
    prefetch,
    sendOff: sendOff && (() => sendOff(o.mode)),
  });
}

/** The port a listener needs, or a clear error naming the function when the broker lacks it. */
export function requirePort<P>(port: P | undefined, functionName: string, what: string): P {
  if (!port) {
    throw new RedisFuncError(
      ErrorCodes.HOST_STATE,
      `Function '${functionName}': this broker has no ${what} support.`,
    );
  }
  return port;
}
