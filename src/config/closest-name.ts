/**
 * The candidate nearest to `name` by edit distance (ignoring case), if it is close enough to be a
 * misspelling: at most a third of the longer name's letters (2 at least) differ, or one name contains
 * the other and is at least half as long (`consumerGroupName` -> `consumerGroup`).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const limit = Math.max(2, Math.floor(Math.max(wanted.length, lower.length) / 3));
    const [shorter, longer] = lower.length < wanted.length ? [lower, wanted] : [wanted, lower];
    const contains = shorter.length * 2 >= longer.length && longer.includes(shorter);
    if ((distance <= limit || contains) && (!best || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/** Levenshtein distance (insertions, deletions and substitutions; a swap of neighbours counts 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
