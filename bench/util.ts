import { execFile, execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { createLogger, jsonDestination, type Logger } from '../src/logging';
/** Helpers shared by the benchmarks: percentiles, a plain-text table and the host logger. */

export function percentile(sortedValues: readonly number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(
    sortedValues.length - 1,
    Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1),
  );
  return sortedValues[index] ?? Number.NaN;
}

export function printTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): void {
  const cells = [headers, ...rows].map((row) =>
    row.map((c) => (typeof c === 'number' ? formatNumber(c) : c)),
  );
  const widths = headers.map((_h, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(cells[0] ?? []));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

/** The logger `redis-func start --json` makes (JSON lines, asynchronous writes, redaction), into /dev/null. */
export function devNullLogger(): Logger {
  return createLogger({ json: true, destination: jsonDestination('/dev/null') });
}

/**
 * Counts the messages a bench host's handler received (an array input, cardinality 'many', counts each of
 * its messages) and resolves `until(n)` once n have been. The handler counts, not an onInvocation
 * callback: a host with one builds a full record (id included) per invocation, which `redis-func start`
 * does not. Constant work per call: it runs on the measured side.
 */
export function handledCounter(): {
  readonly count: (input: unknown) => void;
  readonly until: (count: number) => Promise<void>;
} {
  let handled = 0;
  let waiter: { readonly count: number; readonly resolve: () => void } | undefined; // one at a time
  return {
    count: (input) => {
      handled += Array.isArray(input) ? input.length : 1;
      if (waiter && waiter.count <= handled) {
        waiter.resolve();
        waiter = undefined;
      }
    },
    until: (count) =>
      count <= handled ? Promise.resolve() : new Promise((resolve) => (waiter = { count, resolve })),
  };
}

/** A throughput row measured in a process of its own: the plain loop's rate and redis-func's, per second. */
export interface RowRates {
  readonly plain: number;
  readonly host: number;
  /**
   * The median of redis-func / plain over pairs measured one right after the other, when the bench
   * alternates the two (pubsub): the ratio then, rather than `host / plain` of the two sides' medians.
   */
  readonly pairRatio?: number;
}

/**
 * A row's medians, and each run's ratio (its pairRatio when it has one, else redis-func / plain), lowest
 * first: the spread between runs. `pairRatio` is the median of the runs' pairRatio, when every run has one.
 */
export interface RowMedians<R extends RowRates = RowRates> extends RowRates {
  readonly ratios: readonly number[];
  /** Every run's own figures, in the order they ran (a bench that reports more than rates reads them). */
  readonly runs: readonly R[];
}

/**
 * `62%` or, for several runs, `62% (55-71%)`: the median ratio (of the runs' pair ratios when they have
 * them, else of the medians' rates) and the range of the runs' ratios.
 */
export function ratioCell(rates: RowMedians): string {
  const pct = (r: number): number => Math.round(r * 100);
  const median = `${pct(rates.pairRatio ?? rates.host / rates.plain)}%`;
  const { ratios } = rates;
  if (ratios.length < 2) return median;
  return `${median} (${pct(ratios[0] ?? 0)}-${pct(ratios[ratios.length - 1] ?? 0)}%)`;
}

/**
 * Measures each row of a throughput table in fresh Node processes (`--row i`), one after the other, against
 * the same Redis: every variant starts from the same JIT and heap state instead of inheriting what the rows
 * before it left (which moved a row by up to 2x depending on its place in the table). Each row runs
 * `repeat` times; its plain and redis-func rates are the medians of those runs, and so is its pairRatio
 * when every run reports one.
 */
export async function rowsInChildren<R extends RowRates = RowRates>(
  bench: string,
  rowCount: number,
  args: readonly string[],
  url: string,
  repeat = 1,
): Promise<RowMedians<R>[]> {
  const rates: RowMedians<R>[] = [];
  for (let row = 0; row < rowCount; row++) {
    const runs: R[] = [];
    for (let run = 0; run < repeat; run++) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [process.argv[1] ?? '', bench, ...args, '--row', String(row)],
        { env: { ...process.env, REDIS_URL: url }, maxBuffer: 1 << 20 },
      );
      const last = stdout.trim().split('\n').pop() ?? '';
      runs.push(JSON.parse(last) as R);
    }
    const pairRatios = runs.flatMap((r) => (r.pairRatio === undefined ? [] : [r.pairRatio]));
    const paired = runs.length > 0 && pairRatios.length === runs.length;
    rates.push({
      plain: median(runs.map((r) => r.plain)),
      host: median(runs.map((r) => r.host)),
      ...(paired ? { pairRatio: median(pairRatios) } : {}),
      ratios: (paired ? pairRatios : runs.map((r) => r.host / r.plain)).sort((a, b) => a - b),
      runs,
    });
  }
  return rates;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * Puts this process (and the rows' processes it starts) on CPU 0 and its redis-server on CPU 1, with
 * `taskset`, when there are two CPUs or more. Left to the scheduler, the two sometimes share one CPU and
 * sometimes not, from run to run: sharing serializes the server's work with the client's and moved a
 * ratio between about 55% and 95%. Apart is how a function app meets Redis in production (another
 * machine). Returns what it did, for the table's heading; `--no-pin` leaves placement to the scheduler.
 */
export function pinApart(redisPid: number | undefined, args: readonly string[]): string {
  if (args.includes('--no-pin') || redisPid === undefined) return 'placement left to the scheduler';
  if (availableParallelism() < 2) return 'one CPU: placement left to the scheduler';
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(redisPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return 'Node on CPU 0, redis-server on CPU 1';
  } catch {
    return 'no taskset: placement left to the scheduler';
  }
}

/** `--repeat N`: how many times each throughput row runs (its medians are reported); default 3. */
export function repeatArg(args: readonly string[]): number {
  const i = args.indexOf('--repeat');
  const value = i >= 0 ? Number(args[i + 1]) : 3;
  return Number.isInteger(value) && value > 0 ? value : 3;
}

/** How one throughput row fills Redis and drains it (plain loop, then redis-func), `count` messages each. */
export interface RowDriver {
  fill(count: number): Promise<void>;
  plain(count: number): Promise<number>;
  host(count: number): Promise<number>;
}

/** The rows of a throughput table: every variant at batch 10, then at batch 100. */
export function rowsOf<V>(variants: readonly V[]): { readonly batch: number; readonly variant: V }[] {
  return [10, 100].flatMap((batch) => variants.map((variant) => ({ batch, variant })));
}

/** The driver of row `row` from a bench's own fill, plain loop and host run. */
export function rowDriver<V>(
  rows: readonly { readonly batch: number; readonly variant: V }[],
  row: number,
  run: {
    fill(count: number): Promise<void>;
    plain(batch: number, count: number): Promise<number>;
    host(batch: number, count: number, variant: V): Promise<number>;
  },
): RowDriver {
  const spec = rows[row];
  if (!spec) throw new Error(`no row ${row}`);
  const { batch, variant } = spec;
  return {
    fill: (count) => run.fill(count),
    plain: (count) => run.plain(batch, count),
    host: (count) => run.host(batch, count, variant),
  };
}

/** One row, in this process: a warm-up of 5,000, then the plain loop and redis-func on a fresh fill each. */
export async function measureRow(driver: RowDriver, total: number): Promise<RowRates> {
  await driver.fill(5000);
  await driver.plain(5000);
  await driver.fill(5000);
  await driver.host(5000);
  await driver.fill(total);
  const plain = await driver.plain(total);
  await driver.fill(total);
  const host = await driver.host(total);
  return { plain, host };
}

/** The `--row` a child process measures, if this is one. */
export function rowArg(args: readonly string[]): number | undefined {
  const i = args.indexOf('--row');
  return i >= 0 ? Number(args[i + 1]) : undefined;
}

/** `--name N` from the arguments: a positive number, else the fallback. */
export function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
