/** How long after the first failure the next reports come; after the last, one every REPORT_EVERY_MS. */
export const REPORT_AFTER_MS: readonly number[] = [10_000, 20_000, 30_000];
export const REPORT_EVERY_MS = 30_000;

/**
 * When to say again that a connection is still failing: at the first failure, then after 10 s, 20 s,
 * 30 s and every 30 s while it goes on. A failed attempt is the moment to report (there is one at least
 * every reconnect delay plus connect timeout); reports missed by slow attempts are not made up.
 * `recovered()` starts over.
 */
export class FailureReports {
  private since: number | undefined;
  private reports = 0;

  constructor(
    private readonly schedule: readonly number[] = REPORT_AFTER_MS,
    private readonly now: () => number = Date.now,
    private readonly everyMs = REPORT_EVERY_MS,
  ) {}

  /** A failed attempt: whether to report it (`first` the first of a run), and how long it has failed. */
  failed(): { readonly first: boolean; readonly failingForMs: number } | undefined {
    const now = this.now();
    if (this.since === undefined) {
      this.since = now;
      this.reports = 0;
      return { first: true, failingForMs: 0 };
    }
    const failingForMs = now - this.since;
    if (failingForMs < this.due(this.reports + 1)) return undefined;
    while (failingForMs >= this.due(this.reports + 1)) this.reports++;
    return { first: false, failingForMs };
  }

  /** The connection works again: how long it had failed (undefined if it had not). */
  recovered(): number | undefined {
    if (this.since === undefined) return undefined;
    const failedForMs = this.now() - this.since;
    this.since = undefined;
    return failedForMs;
  }

  /** When report `n` (1 = the first after the first failure) is due, counted from the first failure. */
  private due(n: number): number {
    const last = this.schedule[this.schedule.length - 1] ?? 0;
    return n <= this.schedule.length
      ? (this.schedule[n - 1] ?? last)
      : last + (n - this.schedule.length) * this.everyMs;
  }
}
