/**
 * A fine duration histogram for percentiles (the board's p50 and p99): bucket i holds durations up to
 * FIRST_BOUND_MS * 2^(i / STEPS_PER_DOUBLING), so a percentile read from it is within 19% of the truth,
 * from 10 µs to about 2 minutes (longer durations share the last bucket).
 */
const FIRST_BOUND_MS = 0.01;
const STEPS_PER_DOUBLING = 4;
export const DURATION_BUCKET_COUNT = 96;
const LAST = DURATION_BUCKET_COUNT - 1;

/** The bucket of a duration in ms. */
export function durationBucket(ms: number): number {
  if (!(ms > FIRST_BOUND_MS)) return 0;
  const index = Math.ceil(Math.log2(ms / FIRST_BOUND_MS) * STEPS_PER_DOUBLING);
  return index < LAST ? index : LAST;
}

/** The upper bound of bucket `index`, in ms. */
export function bucketUpperMs(index: number): number {
  return FIRST_BOUND_MS * 2 ** (index / STEPS_PER_DOUBLING);
}

/**
 * The `q` quantile (0..1) of the durations counted in `counts` (one count per bucket), as the upper bound
 * of the bucket it falls in; undefined when nothing was counted.
 */
export function quantileMs(counts: readonly number[], q: number): number | undefined {
  let total = 0;
  for (const n of counts) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return bucketUpperMs(i);
  }
  return bucketUpperMs(counts.length - 1);
}
