import { closestName } from '../config/closest-name';
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

export { closestName };

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
