import type { ListTriggerOptions } from './list-options';
import type { ListPort } from './ports';
import type { ListenerDeps } from './trigger';

/** What the parts of a reliable list listener share: its owner id (a fresh GUID), deps and port. */
export interface ListOwner {
  readonly deps: ListenerDeps<ListTriggerOptions>;
  readonly port: ListPort;
  readonly owner: string;
}

/** `1 element`, `2 elements`. */
export const plural = (n: number): string => `${n} element${n === 1 ? '' : 's'}`;

/** How long one blocking read waits before it is issued again (BLMPOP, BLPOP, single-key BLMOVE). */
export const LIST_BLOCK_MS = 5000;
/** Reliable blocking mode over several keys: BLMOVE takes one key, so it waits this long on each in turn. */
export const LIST_ROTATING_BLOCK_MS = 100;
