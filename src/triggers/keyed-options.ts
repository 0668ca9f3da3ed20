import type { BindingOptions } from './binding-options';

/** Where a failed list element or stream entry goes when `deadLetterKey` is not given; `{key}` is its key. */
export const DEFAULT_DEAD_LETTER_KEY = '{key}:deadletter';

/** `keys` (space-delimited, preview) or `key` (1.x), `%Setting%` resolved: at least one, none twice. */
export function parseKeys(binding: BindingOptions, kind: 'list' | 'stream'): readonly string[] {
  const found = binding.find(['keys', 'key']);
  const text = binding.string(['keys', 'key'], { required: true, resolveSettings: true });
  const keys = text.split(/\s+/).filter((k) => k !== '');
  if (keys.length === 0) throw binding.error(found?.name ?? 'keys', `must name at least one ${kind} key`);
  if (new Set(keys).size !== keys.length) throw binding.error(found?.name ?? 'keys', 'names a key twice');
  return Object.freeze(keys);
}

/** The preview extension's scale hint; undefined when not set (the target is then per batch). */
export function parseMessagesPerWorker(binding: BindingOptions): number | undefined {
  return binding.find(['messagesPerWorker']) ? binding.integer(['messagesPerWorker'], 1) : undefined;
}

/** The dead-letter key template; undefined when `deadLetter: false`. */
export function parseDeadLetterKey(binding: BindingOptions): string | undefined {
  if (!binding.boolean(['deadLetter'], true)) return undefined;
  return binding.string(['deadLetterKey'], { resolveSettings: true }) ?? DEFAULT_DEAD_LETTER_KEY;
}
