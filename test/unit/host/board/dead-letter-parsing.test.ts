import { parseListDeadLetter, listRef } from '../../../../src/host/board/dead-letter-lists';
import { entriesOf, nextId, originalFields } from '../../../../src/host/board/dead-letter-streams';

describe('parseListDeadLetter', () => {
  it('reads what the list trigger writes, and keeps anything else as a bare value', () => {
    const written = JSON.stringify({ value: 'v', key: 'jobs', function: 'fn', error: 'boom', attempts: 3 });
    expect(parseListDeadLetter(written)).toEqual({
      value: 'v',
      source: 'jobs',
      function: 'fn',
      error: 'boom',
      attempts: 3,
    });
    expect(parseListDeadLetter('plain text')).toEqual({ value: 'plain text', source: undefined });
    expect(parseListDeadLetter('{"other":1}')).toEqual({ value: '{"other":1}', source: undefined });
  });
});

describe('listRef', () => {
  it('is the index and a digest of the exact element', () => {
    expect(listRef(4, 'a')).toMatch(/^4:[0-9a-f]{16}$/);
    expect(listRef(4, 'a')).not.toBe(listRef(4, 'b'));
  });
});

describe('dead-letter stream entries', () => {
  it('parses XRANGE replies and the original fields JSON', () => {
    const [entry] = entriesOf([['1-1', ['id', '0-5', 'fields', '{"a":"1","b":"2"}']]]);
    expect(entry).toEqual({ id: '1-1', fields: { id: '0-5', fields: '{"a":"1","b":"2"}' } });
    expect(entry && originalFields(entry)).toEqual({ a: '1', b: '2' });
    expect(originalFields({ id: '1-1', fields: { fields: 'not json' } })).toBeUndefined();
    expect(originalFields({ id: '1-1', fields: { fields: '{"a":1}' } })).toBeUndefined();
  });

  it('steps to the next id for an exclusive range start', () => {
    expect(nextId('1700000000000-0')).toBe('1700000000000-1');
    expect(nextId('5-18446744073709551614')).toBe('5-18446744073709551615');
    expect(nextId('5-18446744073709551615')).toBe('6-0');
  });
});
