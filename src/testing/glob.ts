/**
 * Redis glob matching (PSUBSCRIBE, KEYS): `*`, `?`, `[abc]`, `[a-z]`, `[^x]` and `\` escapes, as Redis's
 * stringmatchlen does it.
 */
export function globMatch(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = classEnd(p, pi);
      if (!classMatches(p.slice(pi + 1, end), s[si] ?? '')) return false;
      pi = end + 1;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Index of the `]` closing the class opened at `start` (or the pattern's end, as Redis tolerates). */
function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  for (; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i;
  }
  return p.length;
}

function classMatches(body: string, ch: string): boolean {
  let negate = false;
  let i = 0;
  if (body[0] === '^') {
    negate = true;
    i = 1;
  }
  let matched = false;
  for (; i < body.length; i++) {
    let a = body[i] ?? '';
    if (a === '\\' && i + 1 < body.length) a = body[++i] ?? '';
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let b = body[i + 2] ?? '';
      i += 2;
      if (b === '\\' && i + 1 < body.length) b = body[++i] ?? '';
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      if (ch >= lo && ch <= hi) matched = true;
    } else if (a === ch) matched = true;
  }
  return negate ? !matched : matched;
}
