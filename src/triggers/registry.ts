import { listTrigger } from './list';
import { pubSubTrigger } from './pubsub';
import { streamTrigger } from './stream';
import type { TriggerOptions, TriggerSpec } from './trigger';

/** Every trigger type the host runs, by binding type (compared case-insensitively). */
const TRIGGERS: readonly TriggerSpec<TriggerOptions>[] = [pubSubTrigger, listTrigger, streamTrigger];

export function findTrigger(type: string): TriggerSpec<TriggerOptions> | undefined {
  const lower = type.toLowerCase();
  return TRIGGERS.find((t) => t.type.toLowerCase() === lower);
}

export function triggerTypes(): string[] {
  return TRIGGERS.map((t) => t.type);
}
