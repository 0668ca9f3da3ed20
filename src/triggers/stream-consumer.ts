import type { StreamPort } from './ports';
import type { StreamTriggerOptions } from './stream-options';
import type { ListenerDeps } from './trigger';

/** What the parts of a stream listener share: one consumer of the function's group, and its port. */
export interface StreamConsumer {
  readonly deps: ListenerDeps<StreamTriggerOptions>;
  readonly port: StreamPort;
  /** This consumer's name in the group (a fresh GUID). */
  readonly consumer: string;
}

/** `1 entry`, `2 entries` (`plural(n, 'entr')`). */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? 'y' : 'ies'}`;
