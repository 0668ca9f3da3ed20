import { errorMessage } from '../../errors';
import { deadLetterKeyFor } from '../../triggers/dead-letter';
import { LIST_TRIGGER } from '../../triggers/list';
import type { ListTriggerOptions } from '../../triggers/list-options';
import type { CommandPort, ListEnd } from '../../triggers/ports';
import { PUBSUB_TRIGGER } from '../../triggers/pubsub';
import { STREAM_TRIGGER } from '../../triggers/stream';
import type { StreamTriggerOptions } from '../../triggers/stream-options';
import type { ResolvedFunction } from '../../triggers/trigger';
import { errorReply, JsonReply } from '../http-json';
import { queueEnd } from './actions';
import { listDeadLetters } from './dead-letter-lists';
import { streamDeadLetters } from './dead-letter-streams';

/** One dead letter as the board shows it. */
export interface DeadLetterItem {
  /** Names it in a requeue or purge: `<dead-letter key>#<entry id>` or `<dead-letter key>#<index>:<digest>`. */
  readonly id: string;
  /** The dead-letter list or stream it is in. */
  readonly key: string;
  /** The key it came from (where a requeue puts it). */
  readonly source: string;
  /** Lists: the element's value. */
  readonly value?: string;
  /** Streams: the original entry's fields. */
  readonly fields?: Record<string, string>;
  /** Streams: the original entry's id. */
  readonly sourceId?: string;
  readonly error?: string;
  readonly attempts?: number;
  readonly function?: string;
}

/** What a requeue or purge of one dead letter did: done (1) or nothing to do (0), or why it cannot. */
export type ItemOutcome = number | JsonReply;

/** The dead-letter operations of one kind (lists or streams) on one dead-letter key. */
export interface DeadLetterStore {
  total(key: string): Promise<number>;
  /** Up to `count` items from the start of the dead-letter key. */
  read(key: string, count: number): Promise<DeadLetterItem[]>;
  /** `ref` is the part of an item id after the `#`. */
  requeue(key: string, ref: string): Promise<ItemOutcome>;
  /** Requeues the items there now, one at a time; items that cannot be requeued stay and count as skipped. */
  requeueAll(key: string, progress: { requeued: number; skipped: number }): Promise<void>;
  purge(key: string, ref: string): Promise<ItemOutcome>;
  purgeAll(key: string): Promise<number>;
}

/** What a store needs: the connection, the function's source keys and where requeued items go. */
export interface DeadLetterContext {
  readonly commands: CommandPort;
  readonly fn: ResolvedFunction;
  /** The function's keys: the only keys a requeue writes to. */
  readonly sources: readonly string[];
  /** Dead-letter key -> the first source key that writes to it (for items that do not name theirs). */
  readonly defaultSource: ReadonlyMap<string, string>;
  /** Lists: the end a requeued element is pushed to (the end the trigger reads last). */
  readonly pushTo: ListEnd;
}

export interface DeadLetterPlace {
  readonly kind: 'list' | 'stream';
  /** Dead-letter keys, one per source key (fewer when a `deadLetterKey` without `{key}` is shared). */
  readonly keys: readonly string[];
  readonly defaultSource: ReadonlyMap<string, string>;
}

/** Where a function's dead letters are, or why it has none. */
export function deadLetterPlace(fn: ResolvedFunction): DeadLetterPlace | string {
  const none = `Function '${fn.name}' has no dead letters:`;
  if (fn.triggerType === PUBSUB_TRIGGER)
    return `${none} Pub/Sub messages are not kept, so none can be dead-lettered.`;
  if (fn.triggerType !== LIST_TRIGGER && fn.triggerType !== STREAM_TRIGGER)
    return `${none} its ${fn.triggerType} trigger does not dead-letter.`;
  const options = fn.options as ListTriggerOptions | StreamTriggerOptions;
  if (fn.triggerType === LIST_TRIGGER && !(options as ListTriggerOptions).reliable)
    return `${none} only reliable lists (reliable: true) keep failed elements in a dead-letter list.`;
  if (options.deadLetterKey === undefined) return `${none} it sets deadLetter: false.`;
  const defaultSource = new Map<string, string>();
  for (const source of options.keys) {
    const key = deadLetterKeyFor(options.deadLetterKey, source);
    if (!defaultSource.has(key)) defaultSource.set(key, source);
  }
  const kind = fn.triggerType === LIST_TRIGGER ? 'list' : 'stream';
  return { kind, keys: [...defaultSource.keys()], defaultSource };
}

function storeFor(place: DeadLetterPlace, fn: ResolvedFunction, commands: CommandPort): DeadLetterStore {
  const options = fn.options as ListTriggerOptions | StreamTriggerOptions;
  const popFrom = place.kind === 'list' ? (options as ListTriggerOptions).direction : 'left';
  const context: DeadLetterContext = {
    commands,
    fn,
    sources: options.keys,
    defaultSource: place.defaultSource,
    pushTo: queueEnd(popFrom),
  };
  return place.kind === 'list' ? listDeadLetters(context) : streamDeadLetters(context);
}

/** `GET .../deadletters?count=N`: the first N dead letters over the function's dead-letter keys. */
export async function browseDeadLetters(
  fn: ResolvedFunction,
  commands: CommandPort,
  countText: string | null,
): Promise<JsonReply> {
  const place = deadLetterPlace(fn);
  if (typeof place === 'string') return errorReply(404, place);
  const count = countText === null ? 50 : Number(countText);
  if (!Number.isInteger(count) || count < 0 || count > 10_000)
    return errorReply(400, `"count" must be a whole number from 0 to 10000 (got '${countText}').`);
  const store = storeFor(place, fn, commands);
  let total = 0;
  const items: DeadLetterItem[] = [];
  for (const key of place.keys) {
    total += await store.total(key);
    if (items.length < count) items.push(...(await store.read(key, count - items.length)));
  }
  return new JsonReply(200, { kind: place.kind, keys: place.keys, total, items });
}

/** `POST .../deadletters/requeue` or `.../purge` with `{ "id": "..." }` or `{ "all": true }`. */
export async function actOnDeadLetters(
  fn: ResolvedFunction,
  commands: CommandPort,
  action: 'requeue' | 'purge',
  body: Record<string, unknown>,
): Promise<JsonReply> {
  const place = deadLetterPlace(fn);
  if (typeof place === 'string') return errorReply(404, place);
  const store = storeFor(place, fn, commands);
  const done = action === 'requeue' ? 'requeued' : 'purged';
  const id = body['id'];
  if (body['all'] === true && id === undefined) {
    return action === 'requeue' ? requeueAll(store, place) : purgeAll(store, place);
  }
  if (typeof id !== 'string' || body['all'] !== undefined)
    return errorReply(400, `The body must be {"id": "<dead letter id>"} or {"all": true}.`);
  const split = id.lastIndexOf('#');
  const key = id.slice(0, split);
  if (split < 0 || !place.keys.includes(key))
    return errorReply(
      404,
      `No dead letter '${id}' of function '${fn.name}' (its dead-letter keys: ${place.keys.join(', ')}).`,
    );
  const ref = id.slice(split + 1);
  const outcome = action === 'requeue' ? await store.requeue(key, ref) : await store.purge(key, ref);
  return outcome instanceof JsonReply ? outcome : new JsonReply(200, { [done]: outcome });
}

async function requeueAll(store: DeadLetterStore, place: DeadLetterPlace): Promise<JsonReply> {
  const progress = { requeued: 0, skipped: 0 };
  try {
    for (const key of place.keys) await store.requeueAll(key, progress);
  } catch (error) {
    const reason = `Requeueing stopped after ${progress.requeued} dead letter(s): ${errorMessage(error)}`;
    return new JsonReply(502, { error: reason, ...progress });
  }
  return new JsonReply(200, progress.skipped > 0 ? progress : { requeued: progress.requeued });
}

async function purgeAll(store: DeadLetterStore, place: DeadLetterPlace): Promise<JsonReply> {
  let purged = 0;
  for (const key of place.keys) purged += await store.purgeAll(key);
  return new JsonReply(200, { purged });
}
