import { invocationId } from '../../../src/invoke/invocation-id';

describe('invocationId', () => {
  it('gives version 4 UUIDs, all different, across many refills of its random pool', () => {
    const ids = Array.from({ length: 20_000 }, () => invocationId());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in every free position (the bytes are random, not a counter)', () => {
    const ids = Array.from({ length: 2_000 }, () => invocationId().replace(/-/g, ''));
    for (let position = 0; position < 32; position++) {
      if (position === 12 || position === 16) continue; // version nibble; variant nibble (8-b)
      const digits = new Set(ids.map((id) => id[position]));
      expect([position, digits.size]).toEqual([position, 16]);
    }
  });
});
