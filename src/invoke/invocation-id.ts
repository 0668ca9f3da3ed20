import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_v, i) => i.toString(16).padStart(2, '0'));
/** Random bytes for 256 ids, refilled when used up. */
const pool = Buffer.alloc(16 * 256);
let used = pool.length;

/**
 * A random (version 4) UUID for an invocation, as the Functions host gives each invocation. The same
 * randomness as crypto.randomUUID, drawn 4 KB at a time and formatted without its argument checks: an id
 * per invocation is on the hot path.
 */
export function invocationId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const b = pool;
  const i = used;
  used += 16;
  const h = (k: number): string => HEX[b[i + k] as number] as string;
  const version = HEX[((b[i + 6] as number) & 0x0f) | 0x40] as string;
  const variant = HEX[((b[i + 8] as number) & 0x3f) | 0x80] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${version}${h(7)}-${variant}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
