import { randomFillSync } from 'node:crypto';

/** Ids drawn per block of randomness: 256 ids take 4 KB. */
const IDS_PER_BLOCK = 256;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where an id is formatted (36 latin1 characters) before it becomes a string. */
const scratch = Buffer.alloc(36);

let block = Buffer.alloc(0);
let drawn = IDS_PER_BLOCK;

/**
 * An invocation's id: a random (version 4) UUID, as the Functions host gives each invocation, with the
 * randomness of crypto.randomUUID. Its 16 random bytes are drawn when the invocation starts; its text is
 * made when first read (a log line, `context.invocationId`, a record someone receives). Making the text of
 * every id cost about a tenth of a quick invocation, and most are never read when logs are off.
 */
export class InvocationId {
  #text: string | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly offset: number,
  ) {}

  /** `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx` (V one of 8, 9, a, b). */
  get value(): string {
    return (this.#text ??= format(this.bytes, this.offset));
  }

  toString(): string {
    return this.value;
  }
}

/** A new id; its text is made when first read. */
export function drawInvocationId(): InvocationId {
  if (drawn === IDS_PER_BLOCK) {
    block = randomFillSync(Buffer.allocUnsafe(16 * IDS_PER_BLOCK)); // a fresh block: drawn ids keep theirs
    drawn = 0;
  }
  return new InvocationId(block, 16 * drawn++);
}

/** A new id's text. */
export function invocationId(): string {
  return drawInvocationId().value;
}

function format(bytes: Buffer, offset: number): string {
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) scratch[at++] = 0x2d; // '-'
    let byte = bytes[offset + i] as number;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    scratch[at++] = HEX_DIGITS[byte >> 4] as number;
    scratch[at++] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return scratch.toString('latin1');
}
