import { errorReply } from '../http-json';
import type { DeadLetterContext, DeadLetterItem, DeadLetterStore, ItemOutcome } from './dead-letters';

/** How many entries a requeue or purge of all reads at once. */
const PAGE = 100;

/** One dead-letter stream entry: its id and its fields. */
interface Entry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** XRANGE's reply (`[[id, [field, value, ...]], ...]`) as entries. */
export function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const [id, flat] = raw as [unknown, unknown];
    const fields: Record<string, string> = {};
    const list = Array.isArray(flat) ? flat : [];
    for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
    return { id: String(id), fields };
  });
}

/** The original entry's fields, from the JSON the stream trigger writes in `fields`; undefined when unreadable. */
export function originalFields(entry: Entry): Record<string, string> | undefined {
  const text = entry.fields['fields'];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const values = Object.entries(parsed as Record<string, unknown>);
  if (values.length === 0 || values.some(([, v]) => typeof v !== 'string')) return undefined;
  return parsed as Record<string, string>;
}

/** The id after `id` (for an exclusive range start that works before Redis 6.2's `(`). */
export function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  const next = BigInt(seq ?? '0') + 1n;
  return next > MAX_SEQUENCE ? `${BigInt(ms ?? '0') + 1n}-0` : `${ms}-${next}`;
}

/** The largest sequence number of a stream id (64 bits). */
const MAX_SEQUENCE = 2n ** 64n - 1n;

/**
 * Dead-letter streams: each entry the stream trigger wrote has the original `id`, `key`, `function`,
 * `error`, `attempts` and the original `fields` as JSON. A requeue XADDs those fields to the source
 * stream (a new entry, which the group reads as new), then XDELs the dead letter.
 */
export function streamDeadLetters(context: DeadLetterContext): DeadLetterStore {
  return new StreamDeadLetters(context);
}

const ENTRY_ID = /^\d+-\d+$/;

class StreamDeadLetters implements DeadLetterStore {
  constructor(private readonly context: DeadLetterContext) {}

  async total(key: string): Promise<number> {
    return Number(await this.run(['XLEN', key]));
  }

  async read(key: string, count: number): Promise<DeadLetterItem[]> {
    if (count === 0) return [];
    const entries = entriesOf(await this.run(['XRANGE', key, '-', '+', 'COUNT', String(count)]));
    return entries.map((entry) => this.item(key, entry));
  }

  async requeue(key: string, ref: string): Promise<ItemOutcome> {
    if (!ENTRY_ID.test(ref)) return gone(key, ref);
    const [entry] = entriesOf(await this.run(['XRANGE', key, ref, ref]));
    return entry ? this.requeueEntry(key, entry) : gone(key, ref);
  }

  async requeueAll(key: string, progress: { requeued: number; skipped: number }): Promise<void> {
    await this.eachPage(key, async (page) => {
      for (const entry of page) {
        if ((await this.requeueEntry(key, entry)) === 1) progress.requeued++;
        else progress.skipped++;
      }
    });
  }

  async purge(key: string, ref: string): Promise<ItemOutcome> {
    if (!ENTRY_ID.test(ref)) return gone(key, ref);
    const deleted = Number(await this.run(['XDEL', key, ref]));
    return deleted === 0 ? gone(key, ref) : deleted;
  }

  async purgeAll(key: string): Promise<number> {
    let purged = 0;
    await this.eachPage(key, async (page) => {
      purged += Number(await this.run(['XDEL', key, ...page.map((entry) => entry.id)]));
    });
    return purged;
  }

  /**
   * The entries there now, a page at a time: one written meanwhile (a dead letter that came back, a new
   * one nobody has seen) is left alone.
   */
  private async eachPage(key: string, handle: (page: Entry[]) => Promise<void>): Promise<void> {
    const [last] = entriesOf(await this.run(['XREVRANGE', key, '+', '-', 'COUNT', '1']));
    if (!last) return;
    for (let from = '-'; ;) {
      const page = entriesOf(await this.run(['XRANGE', key, from, last.id, 'COUNT', String(PAGE)]));
      if (page.length > 0) await handle(page);
      const end = page[page.length - 1];
      if (page.length < PAGE || !end || end.id === last.id) return;
      from = nextId(end.id);
    }
  }

  private item(key: string, entry: Entry): DeadLetterItem {
    const f = entry.fields;
    const fields = originalFields(entry);
    const attempts = Number(f['attempts']);
    return {
      id: `${key}#${entry.id}`,
      key,
      source: f['key'] ?? this.context.defaultSource.get(key) ?? '',
      ...(f['id'] !== undefined && { sourceId: f['id'] }),
      ...(fields && { fields }),
      ...(f['error'] !== undefined && { error: f['error'] }),
      ...(f['attempts'] !== undefined && Number.isFinite(attempts) && { attempts }),
      ...(f['function'] !== undefined && { function: f['function'] }),
    };
  }

  /** XADDs the original fields to the source stream, then XDELs the dead letter. */
  private async requeueEntry(key: string, entry: Entry): Promise<ItemOutcome> {
    const { source, fields } = this.item(key, entry);
    const name = this.context.fn.name;
    if (!this.context.sources.includes(source))
      return errorReply(
        409,
        `Dead letter ${entry.id} names '${source}' as its source, not a key of function '${name}'.`,
      );
    if (!fields)
      return errorReply(409, `Dead letter ${entry.id} has no readable original fields to requeue.`);
    await this.run(['XADD', source, '*', ...Object.entries(fields).flat()]);
    await this.run(['XDEL', key, entry.id]);
    return 1;
  }

  private run(args: string[]): Promise<unknown> {
    return this.context.commands.execute(args);
  }
}

function gone(key: string, ref: string): ItemOutcome {
  return errorReply(404, `No dead letter '${key}#${ref}': it is no longer in '${key}'.`);
}
