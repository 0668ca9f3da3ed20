import { createHash } from 'node:crypto';
import { errorReply } from '../http-json';
import { pushCommand } from './actions';
import type { DeadLetterContext, DeadLetterItem, DeadLetterStore, ItemOutcome } from './dead-letters';

/** How many elements a search for a moved element reads at once. */
const SCAN_CHUNK = 500;

/** An element's digest in its item id: the first 16 hex digits of its SHA-256. */
export function elementDigest(raw: string): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** The `<index>:<digest>` part of a list item id. */
export function listRef(index: number, raw: string): string {
  return `${index}:${elementDigest(raw)}`;
}

/** What a dead-letter list element says: the JSON the trigger writes, or a bare value put there by hand. */
export interface ListDeadLetter {
  readonly value: string;
  readonly source: string | undefined;
  readonly error?: string;
  readonly attempts?: number;
  readonly function?: string;
}

/** Reads an element the list trigger wrote (`{value, key, function, error, attempts}`); anything else is a bare value. */
export function parseListDeadLetter(raw: string): ListDeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { value: raw, source: undefined };
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { value?: unknown }).value !== 'string'
  )
    return { value: raw, source: undefined };
  const p = parsed as Record<string, unknown>;
  return {
    value: p['value'] as string,
    source: typeof p['key'] === 'string' ? p['key'] : undefined,
    ...(typeof p['error'] === 'string' && { error: p['error'] }),
    ...(typeof p['attempts'] === 'number' && { attempts: p['attempts'] }),
    ...(typeof p['function'] === 'string' && { function: p['function'] }),
  };
}

/**
 * Dead-letter lists of a reliable list function. An element has no id of its own: its item id is its index
 * and a digest of the element; a requeue or purge finds the element again (at that index, else wherever it
 * moved) and removes that exact element with LREM, so a concurrent change cannot make it remove another.
 */
export function listDeadLetters(context: DeadLetterContext): DeadLetterStore {
  return new ListDeadLetters(context);
}

class ListDeadLetters implements DeadLetterStore {
  constructor(private readonly context: DeadLetterContext) {}

  async total(key: string): Promise<number> {
    return Number(await this.run(['LLEN', key]));
  }

  async read(key: string, count: number): Promise<DeadLetterItem[]> {
    if (count === 0) return [];
    const raws = (await this.run(['LRANGE', key, '0', String(count - 1)])) as string[];
    return raws.map((raw, index) => {
      const { source, ...letter } = parseListDeadLetter(String(raw));
      const id = `${key}#${listRef(index, String(raw))}`;
      return { id, key, source: source ?? this.context.defaultSource.get(key) ?? '', ...letter };
    });
  }

  async requeue(key: string, ref: string): Promise<ItemOutcome> {
    const raw = await this.find(key, ref);
    return raw === undefined ? gone(key, ref) : this.requeueRaw(key, raw);
  }

  async requeueAll(key: string, progress: { requeued: number; skipped: number }): Promise<void> {
    const length = await this.total(key);
    let skipped = 0; // elements of this list left in place, at its head
    // Only what is there now: an element that fails again and comes back is not requeued twice.
    for (let n = 0; n < length; n++) {
      const raw = (await this.run(['LINDEX', key, String(skipped)])) as string | null;
      if (raw === null) return;
      if ((await this.requeueRaw(key, String(raw))) === 1) progress.requeued++;
      else {
        skipped++;
        progress.skipped++;
      }
    }
  }

  async purge(key: string, ref: string): Promise<ItemOutcome> {
    const raw = await this.find(key, ref);
    return raw === undefined ? gone(key, ref) : Number(await this.run(['LREM', key, '1', raw]));
  }

  async purgeAll(key: string): Promise<number> {
    // The elements there now; elements appended meanwhile stay.
    const length = await this.total(key);
    if (length > 0) await this.run(['LTRIM', key, String(length), '-1']);
    return length;
  }

  /** Writes the element's value back to its source, then removes it from the dead-letter list. */
  private async requeueRaw(key: string, raw: string): Promise<ItemOutcome> {
    const { context } = this;
    const letter = parseListDeadLetter(raw);
    const source = letter.source ?? context.defaultSource.get(key) ?? '';
    if (!context.sources.includes(source))
      return errorReply(
        409,
        `The dead letter names '${source}' as its source, not a key of function '${context.fn.name}'.`,
      );
    await this.run([pushCommand(context.pushTo), source, letter.value]);
    await this.run(['LREM', key, '1', raw]);
    return 1;
  }

  /** The element an item ref names: at its index when unchanged, else the first element with its digest. */
  private async find(key: string, ref: string): Promise<string | undefined> {
    const match = /^(\d+):([0-9a-f]{16})$/.exec(ref);
    if (!match) return undefined;
    const digest = match[2];
    const atIndex = (await this.run(['LINDEX', key, match[1] ?? '0'])) as string | null;
    if (atIndex !== null && elementDigest(String(atIndex)) === digest) return String(atIndex);
    for (let start = 0; ; start += SCAN_CHUNK) {
      const range = ['LRANGE', key, String(start), String(start + SCAN_CHUNK - 1)];
      const chunk = ((await this.run(range)) as unknown[]).map(String);
      const found = chunk.find((raw) => elementDigest(raw) === digest);
      if (found !== undefined) return found;
      if (chunk.length < SCAN_CHUNK) return undefined;
    }
  }

  private run(args: string[]): Promise<unknown> {
    return this.context.commands.execute(args);
  }
}

function gone(key: string, ref: string): ItemOutcome {
  return errorReply(404, `No dead letter '${key}#${ref}': it is no longer in '${key}'.`);
}
