import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids, drawn 4 KB at a time. */
const pool = Buffer.alloc(16 * 256);
let used = pool.length;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where an id is formatted (36 latin1 characters) before it becomes a string. */
const scratch = Buffer.alloc(36);

/**
 * A new invocation id's text: a random (version 4) UUID, as the Functions host gives each invocation, with
 * the randomness of crypto.randomUUID, drawn from a pool. Callers make it when first read (see Attempt):
 * making one costs about a tenth of a quick invocation, and with logs off most are never read.
 */
export function invocationId(): string {
  return randomUuid();
}

function randomUuid(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const offset = used;
  used += 16;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) scratch[at++] = 0x2d; // '-'
    let byte = pool[offset + i] as number;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    scratch[at++] = HEX_DIGITS[byte >> 4] as number;
    scratch[at++] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return scratch.toString('latin1');
}
