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
