import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids, drawn 4 KB at a time. */
const pool = Buffer.alloc(16 * 256);
let used = pool.length;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where an id is formatted (36 latin1 characters) before it becomes a string. */
const scratch = Buffer.alloc(36);

/**
 * An invocation's id: a random (version 4) UUID, as the Functions host gives each invocation, with the
 * randomness of crypto.randomUUID. It is made when first read (a log line, `context.invocationId`, a record
 * someone receives), and the same text every time after: making one cost about a tenth of a quick
 * invocation, and with logs off most are never read.
 */
export class InvocationId {
  #text: string | undefined;

  /** `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx` (V one of 8, 9, a, b). */
  get value(): string {
    return (this.#text ??= randomUuid());
  }

  toString(): string {
    return this.value;
  }
}

/** A new id, made when first read. */
export function drawInvocationId(): InvocationId {
  return new InvocationId();
}

/** A new id's text. */
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
