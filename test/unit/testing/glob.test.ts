import { globMatch } from '../../../src/testing';

// Each case was checked against redis-server 7.0 (PSUBSCRIBE pattern, PUBLISH text); the conformance
// suite runs a selection of them against both brokers.
describe('Redis glob patterns', () => {
  it.each([
    ['orders:*', 'orders:created', true],
    ['orders:*', 'order:created', false],
    ['*', '', false],
    ['?', '', false],
    ['a*', 'a', true],
    ['*x*', 'x', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['h[a-c]llo', 'hdllo', false],
    ['h[c-a]llo', 'hbllo', true],
    ['[z-a]', 'm', true],
    ['lit\\*', 'lit*', true],
    ['lit\\*', 'litx', false],
    ['a\\?b', 'a?b', true],
    ['\\[a]', '[a]', true],
    ['x\\', 'x\\', true],
    ['x\\', 'x', false],
    ['[\\]]x', ']x', true],
    ['*:*:end', 'a:b:c:end', true],
    ['**x', 'abx', true],
    ['__keyevent@0__:*', '__keyevent@0__:del', true],
  ])('%s against %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it.each([
    // an escaped character inside a class is never the start of a range
    ['[\\a-c]', 'b', false],
    ['[\\a-c]', '-', true],
    ['[\\a-c]', 'c', true],
    // after a range, a dash is a plain character
    ['[a-c-e]', 'd', false],
    ['[a-c-e]', '-', true],
    ['[-a]', '-', true],
    // `a-]` is a range up to `]`, so the class runs on into the rest of the pattern
    ['[a-]x', '_x', false],
    ['[a-]x', 'ax', false],
    // `]` first closes an empty class; `[^]` matches any one byte
    ['[]]x', ']x', false],
    ['[^]x', 'ax', true],
    ['[^]x', ']x', true],
    // an unclosed class runs to the end of the pattern
    ['[abc', 'b', true],
    ['[abc', '[', false],
    ['a[', 'a[', false],
  ])('class edge case %s against %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('compares UTF-8 bytes, as Redis does', () => {
    expect(globMatch('h?llo', 'héllo')).toBe(false);
    expect(globMatch('h??llo', 'héllo')).toBe(true);
    expect(globMatch('h[é]llo', 'héllo')).toBe(false);
    expect(globMatch('h*llo', 'héllo')).toBe(true);
    expect(globMatch('日本*', '日本語')).toBe(true);
  });

  it('does not backtrack exponentially on many stars', () => {
    const started = Date.now();
    expect(globMatch('a*'.repeat(30) + 'b', 'a'.repeat(200))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
