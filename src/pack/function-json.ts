import type { Settings } from '../config/settings';
import { ConfigError, ErrorCodes } from '../errors';
import type { BindingDefinition, FunctionDefinition } from '../registration/definition';
import { BindingOptions, CONNECTION_NAMES } from '../triggers/binding-options';
import { translateTrigger } from './translate-trigger';
import type { Difference, PackedFunction } from './types';

export interface TranslatedApp {
  readonly functions: readonly PackedFunction[];
  readonly differences: readonly Difference[];
}

/** Every registered function as 1.x function.json content plus the spec of its shim. */
export function translateFunctions(
  definitions: readonly FunctionDefinition[],
  settings: Settings,
): TranslatedApp {
  const names = new Set<string>();
  const functions: PackedFunction[] = [];
  const differences: Difference[] = [];
  for (const definition of definitions) {
    const translation = translateTrigger(definition, settings);
    differences.push(...translation.differences);
    const others = otherBindings(definition, settings);
    for (const trigger of translation.triggers) {
      const base =
        translation.triggers.length > 1
          ? `${definition.name}-${keyLabel(trigger.key ?? '')}`
          : definition.name;
      const name = uniqueName(base, names);
      functions.push({
        name,
        source: definition.source,
        functionJson: { bindings: [trigger.binding, ...others] },
        shim: {
          function: definition.name,
          triggerType: translation.triggerType,
          ...(trigger.key === undefined ? {} : { key: trigger.key }),
          cardinality: translation.cardinality,
        },
      });
    }
  }
  return { functions, differences };
}

/** `redis` inputs, outputs and `$return`, with their 1.x properties only. */
function otherBindings(definition: FunctionDefinition, settings: Settings): Record<string, unknown>[] {
  const bindings = [
    ...definition.extraInputs,
    ...definition.extraOutputs,
    ...(definition.returnBinding ? [definition.returnBinding] : []),
  ];
  return bindings.map((binding) => redisBinding(definition, binding, settings));
}

function redisBinding(
  definition: FunctionDefinition,
  binding: BindingDefinition,
  settings: Settings,
): Record<string, unknown> {
  if (binding.type.toLowerCase() !== 'redis') {
    throw new ConfigError(
      ErrorCodes.BINDING_INVALID,
      `Function '${definition.name}' (${definition.source}): binding '${binding.name}' has type '${binding.type}'; ` +
        `redis-func pack translates 'redis' input and output bindings only.`,
      { file: definition.source, field: binding.name },
    );
  }
  const options = new BindingOptions(definition.name, binding, settings, definition.source);
  return {
    type: 'redis',
    direction: binding.direction,
    name: binding.name,
    connection: options.string(CONNECTION_NAMES, { required: true }),
    command: options.string(['command'], { required: true }),
  };
}

/** The key without its `%Setting%` parts (they are resolved only in Azure), for a function name. */
function keyLabel(key: string): string {
  return key.replace(/%[^%]*%/g, '').replace(/^[^A-Za-z0-9]+/, '') || key;
}

/** A valid function name (letter first; letters, digits, `_`, `-`; at most 127), unique ignoring case. */
export function uniqueName(wanted: string, taken: Set<string>): string {
  let base = wanted.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+$/, '');
  if (!/^[A-Za-z]/.test(base)) base = `f-${base}`;
  base = base.slice(0, 120);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base}-${i}`;
  taken.add(name.toLowerCase());
  return name;
}
