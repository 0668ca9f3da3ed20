/**
 * Names of the keys reliable list mode keeps next to a source list `K`. They share `K`'s hash slot (a
 * `{K}` hash tag when `K` has none), so LMOVE and the recovery script also work on a cluster:
 * - `<base>:redis-func:processing:<owner>`: elements taken by listener `owner` and not yet handled;
 * - `<base>:redis-func:owners`: a set of the listeners that may have a processing list for `K`;
 * - `<base>:redis-func:alive:<owner>`: the listener's heartbeat, a key with a TTL it renews;
 * - `<base>:redis-func:receipts:<owner>`: a set of ids of the listener's removals of handled elements (so
 *   that it can tell, after losing a reply, whether the removal happened).
 * A listener whose heartbeat key has expired is gone; its processing list goes back to `K`.
 */

const NAMESPACE = 'redis-func';

/** `K` itself when it has a hash tag (or cannot be given one), else `{K}`. */
function base(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  if (close > open + 1) return key; // a hash tag already: the derived keys keep it
  if (key.includes('}')) return key; // `{K}` would not hash like K; not cluster-safe, fine standalone
  return `{${key}}`;
}

export function listProcessingKey(key: string, owner: string): string {
  return `${base(key)}:${NAMESPACE}:processing:${owner}`;
}

export function listOwnersKey(key: string): string {
  return `${base(key)}:${NAMESPACE}:owners`;
}

export function listAliveKey(key: string, owner: string): string {
  return `${base(key)}:${NAMESPACE}:alive:${owner}`;
}

export function listReceiptsKey(key: string, owner: string): string {
  return `${base(key)}:${NAMESPACE}:receipts:${owner}`;
}

/** The prefix the recovery script appends an owner to (processing, alive and receipts keys). */
export function listKeyPrefixes(key: string): { processing: string; alive: string; receipts: string } {
  return {
    processing: `${base(key)}:${NAMESPACE}:processing:`,
    alive: `${base(key)}:${NAMESPACE}:alive:`,
    receipts: `${base(key)}:${NAMESPACE}:receipts:`,
  };
}
