/**
 * Redis glob matching (PSUBSCRIBE, KEYS, SCAN MATCH), with the server's exact rules: `*`, `?`, `[abc]`,
 * `[a-z]` (either order), `[^x]`, `\` escapes (inside classes too, where an escaped character is never
 * the start of a range), an unclosed `[` running to the pattern's end. Like Redis it compares UTF-8
 * bytes (`?` matches one byte, not one character), an empty string matches no pattern, and a `*` that
 * found no match anywhere stops the earlier ones from trying longer matches (linear, not exponential).
 */
export function globMatch(pattern: string, text: string): boolean {
  if (!GLOB_SPECIAL.test(pattern)) return text !== '' && pattern === text; // a literal: equal bytes
  const state = { skipLongerMatches: false };
  return matchAt(bytes(pattern), 0, bytes(text), 0, state, 0);
}

/** The characters that make a pattern more than a literal. */
const GLOB_SPECIAL = /[*?[\\]/;

/** Whether a pattern matches exactly one string, itself (it has none of `*`, `?`, `[`, `\`). */
export function isLiteralPattern(pattern: string): boolean {
  return !GLOB_SPECIAL.test(pattern);
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BACKSLASH = 0x5c;
const CARET = 0x5e;
const DASH = 0x2d;
/** Redis gives up on patterns nested deeper than this (protection against abusive patterns). */
const MAX_NESTING = 1000;

type Bytes = ArrayLike<number>;

function bytes(s: string): Bytes {
  return Buffer.from(s, 'utf8');
}

interface MatchState {
  skipLongerMatches: boolean;
}

function matchAt(p: Bytes, pi: number, s: Bytes, si: number, state: MatchState, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === STAR) {
      while (p[pi + 1] === STAR) pi++;
      if (pi + 1 === p.length) return true;
      for (; si < s.length; si++) {
        if (matchAt(p, pi + 1, s, si, state, nesting + 1)) return true;
        if (state.skipLongerMatches) return false;
      }
      state.skipLongerMatches = true;
      return false;
    }
    if (c === QUESTION) si++;
    else if (c === OPEN) {
      const end = matchClass(p, pi + 1, s[si] ?? -1);
      if (end < 0) return false;
      pi = end;
      si++;
    } else {
      if (c === BACKSLASH && pi + 1 < p.length) pi++;
      if (p[pi] !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      while (p[pi] === STAR) pi++;
      break;
    }
  }
  return pi >= p.length && si === s.length;
}

/**
 * Matches one byte against the class whose body starts at `start` (after the `[`). Returns the index of
 * the class's last pattern byte (its `]`, or the pattern's last byte when unclosed), or -1 for no match.
 */
function matchClass(p: Bytes, start: number, ch: number): number {
  let i = start;
  const negate = p[i] === CARET;
  if (negate) i++;
  let matched = false;
  for (; ; i++) {
    if (p[i] === BACKSLASH && i + 1 < p.length) {
      i++;
      if (p[i] === ch) matched = true;
    } else if (p[i] === CLOSE) break;
    else if (i >= p.length) {
      i = p.length - 1;
      break;
    } else if (i + 2 < p.length && p[i + 1] === DASH) {
      const a = p[i] ?? 0;
      const b = p[i + 2] ?? 0;
      if (ch >= Math.min(a, b) && ch <= Math.max(a, b)) matched = true;
      i += 2;
    } else if (p[i] === ch) matched = true;
  }
  return matched !== negate ? i : -1;
}
