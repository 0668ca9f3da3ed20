import { ConfigError, ErrorCodes } from '../../../src/errors';
import { groupBySlot, isRedirect, parseClusterSetting, slotOf } from '../../../src/redis/cluster';

describe('cluster helpers', () => {
  it('computes hash slots as Redis does, hash tags included', () => {
    // CLUSTER KEYSLOT answers: foo 12182, bar 5061, {user1}.a and {user1}.b share user1's slot (8106).
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('bar')).toBe(5061);
    expect(slotOf('{user1}.a')).toBe(8106);
    expect(slotOf('{user1}.b')).toBe(8106);
  });

  it('groups keys by slot, groups in first-appearance order and keys in their order', () => {
    expect(groupBySlot(['foo', '{user1}.a', 'bar', '{user1}.b', 'foo2'])).toEqual([
      ['foo'],
      ['{user1}.a', '{user1}.b'],
      ['bar'],
      ['foo2'],
    ]);
    expect(groupBySlot([])).toEqual([]);
  });

  it('recognises MOVED and ASK replies only', () => {
    expect(isRedirect(new Error('MOVED 3999 127.0.0.1:6381'))).toBe(true);
    expect(isRedirect(new Error('ASK 3999 127.0.0.1:6381'))).toBe(true);
    expect(isRedirect(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
    expect(isRedirect(new Error('ERR unknown command MOVEDX'))).toBe(false);
  });

  it('reads <setting>__cluster as true, false or unset, and names the setting when it is neither', () => {
    expect(parseClusterSetting(undefined, 'R__cluster')).toBeUndefined();
    expect(parseClusterSetting(' ', 'R__cluster')).toBeUndefined();
    expect(parseClusterSetting('True', 'R__cluster')).toBe(true);
    expect(parseClusterSetting('1', 'R__cluster')).toBe(true);
    expect(parseClusterSetting('false', 'R__cluster')).toBe(false);
    expect(parseClusterSetting('0', 'R__cluster')).toBe(false);
    let error: unknown;
    try {
      parseClusterSetting('maybe', 'R__cluster');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCodes.CONNECTION_STRING_INVALID);
    expect((error as ConfigError).message).toContain("App setting 'R__cluster' is 'maybe'");
  });
});
