import type { Logger } from '../logging';
import type { BindingDefinition } from '../registration/definition';

/** A binding property no option of its binding type reads: Azure ignores it, redis-func warns. */
export interface UnknownOption {
  /** The binding's name (`$return` for a return binding). */
  readonly binding: string;
  readonly bindingType: string;
  /** The property as written. */
  readonly option: string;
  /** The closest known option, when one is close enough to be a likely misspelling. */
  readonly suggestion: string | undefined;
}

/**
 * Properties every binding may carry, whatever its type: function.json's own (`type`, `name`,
 * `direction`, `dataType`) and what `@azure/functions` adds (`sdkBinding`; `properties` is dropped earlier).
 */
export const GENERIC_BINDING_PROPERTIES: readonly string[] = [
  'type',
  'name',
  'direction',
  'dataType',
  'sdkBinding',
];

/** The properties of `binding` that are neither generic nor in `known` (compared case-insensitively). */
export function findUnknownOptions(binding: BindingDefinition, known: Iterable<string>): UnknownOption[] {
  const options = [...known];
  const lower = new Set([...options, ...GENERIC_BINDING_PROPERTIES].map((n) => n.toLowerCase()));
  return Object.keys(binding)
    .filter((key) => !lower.has(key.toLowerCase()))
    .map((option) => ({
      binding: binding.name,
      bindingType: binding.type,
      option,
      suggestion: closestName(option, options),
    }));
}

/**
 * The candidate nearest to `name` by edit distance (ignoring case), if it is close enough to be a
 * misspelling: at most a third of the longer name's letters (2 at least) differ, or one name contains
 * the other and is at least half as long (`consumerGroupName` -> `consumerGroup`).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const limit = Math.max(2, Math.floor(Math.max(wanted.length, lower.length) / 3));
    const [shorter, longer] = lower.length < wanted.length ? [lower, wanted] : [wanted, lower];
    const contains = shorter.length * 2 >= longer.length && longer.includes(shorter);
    if ((distance <= limit || contains) && (!best || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/** Levenshtein distance (insertions, deletions and substitutions; a swap of neighbours counts 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** One warning line for a function's unknown options (all of them, so the function warns once). */
export function describeUnknownOptions(
  functionName: string,
  source: string,
  unknown: readonly UnknownOption[],
): string {
  const parts = unknown.map((u) => {
    const where = u.binding && /trigger$/i.test(u.bindingType) ? u.bindingType : `binding '${u.binding}'`;
    const hint = u.suggestion ? `; did you mean "${u.suggestion}"?` : '';
    return `"${u.option}" is not an option of ${where} and is ignored${hint}`;
  });
  return `Function '${functionName}' (${source}): ${parts.join('; ')}`;
}

/** Start-up: one warning per function that has unknown options (Azure ignores them silently). */
export function warnUnknownOptions(
  functions: readonly {
    readonly name: string;
    readonly definition: { readonly source: string };
    readonly unknownOptions?: readonly UnknownOption[];
  }[],
  logger: Logger,
): void {
  for (const fn of functions) {
    const unknown = fn.unknownOptions ?? [];
    if (unknown.length === 0) continue;
    logger.warn(
      {
        functionName: fn.name,
        unknownOptions: unknown.map((u) => u.option),
        suggestions: unknown.map((u) => u.suggestion ?? null),
      },
      describeUnknownOptions(fn.name, fn.definition.source, unknown),
    );
  }
}
