import { globMatch } from '../../../src/testing';

describe('Redis glob patterns', () => {
  it.each([
    ['orders:*', 'orders:created', true],
    ['orders:*', 'order:created', false],
    ['*', '', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['h[a-c]llo', 'hdllo', false],
    ['h[c-a]llo', 'hbllo', true],
    ['lit\\*', 'lit*', true],
    ['lit\\*', 'litx', false],
    ['a\\?b', 'a?b', true],
    ['[\\]]x', ']x', true],
    ['*:*:end', 'a:b:c:end', true],
    ['**x', 'abx', true],
    ['__keyevent@0__:*', '__keyevent@0__:del', true],
  ])('%s against %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});
