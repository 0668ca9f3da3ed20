import { ConfigError, ErrorCodes } from '../errors';
import { REDIS_BINDING_OPTIONS, parseRedisBindings } from '../invoke/redis-bindings';
import { parseRetryPolicy } from '../invoke/retry-policy';
import type { FunctionDefinition } from '../registration/definition';
import { BindingOptions } from '../triggers/binding-options';
import { findTrigger, triggerTypes } from '../triggers/registry';
import type { ResolvedFunction } from '../triggers/trigger';
import { findUnknownOptions } from '../triggers/unknown-options';
import { valueFormatOf, type HostConfig } from './host-json';
import type { Settings } from './settings';

/**
 * Validates each function's trigger against its type's options and settings, marks disabled functions,
 * and applies a `--functions` filter. Every problem is a configuration error naming function and option.
 */
export function resolveFunctions(
  definitions: readonly FunctionDefinition[],
  settings: Settings,
  host: HostConfig,
  only?: readonly string[],
): ResolvedFunction[] {
  const selected = only && only.length > 0 ? select(definitions, only) : definitions;
  return selected.map((definition) => resolveFunction(definition, settings, host));
}

export function resolveFunction(
  definition: FunctionDefinition,
  settings: Settings,
  host: HostConfig,
): ResolvedFunction {
  const spec = findTrigger(definition.trigger.type);
  if (!spec) {
    throw new ConfigError(
      ErrorCodes.TRIGGER_TYPE_UNKNOWN,
      `Function '${definition.name}' (${definition.source}) has trigger type '${definition.trigger.type}', which ` +
        `redis-func does not run. Supported trigger types: ${triggerTypes().join(', ')}.`,
      { file: definition.source, field: 'type' },
    );
  }
  const binding = new BindingOptions(definition.name, definition.trigger, settings, definition.source);
  const { name, source } = definition;
  const valueFormat = valueFormatOf(host, definition.programmingModel);
  const outputs = [
    ...definition.extraOutputs,
    ...(definition.returnBinding ? [definition.returnBinding] : []),
  ];
  const options = spec.parseOptions(binding, host, valueFormat);
  const unknownOptions = [
    ...binding.unknownOptions(spec.optionNames),
    ...[...definition.extraInputs, ...outputs]
      .filter((b) => b.type.toLowerCase() === 'redis')
      .flatMap((b) => findUnknownOptions(b, REDIS_BINDING_OPTIONS)),
  ];
  return Object.freeze({
    definition,
    name,
    triggerType: spec.type,
    options,
    disabled: settings.isDisabled(name),
    retry: parseRetryPolicy(definition.retry, { file: source, field: 'retry' }) ?? host.retry,
    inputs: parseRedisBindings(name, source, definition.extraInputs, settings, spec.metadataNames),
    outputs: parseRedisBindings(
      name,
      source,
      outputs,
      settings,
      spec.metadataNames,
      definition.programmingModel === 'v3' && valueFormat === 'v1',
    ),
    unknownOptions: Object.freeze(unknownOptions),
  });
}

function select(definitions: readonly FunctionDefinition[], only: readonly string[]): FunctionDefinition[] {
  const wanted = new Set(only.map((n) => n.toLowerCase()));
  for (const name of only) {
    if (!definitions.some((d) => d.name.toLowerCase() === name.toLowerCase())) {
      throw new ConfigError(
        ErrorCodes.FUNCTION_UNKNOWN,
        `--functions names '${name}', but the app has no such function. Functions: ${definitions.map((d) => d.name).join(', ') || '(none)'}.`,
        { field: '--functions' },
      );
    }
  }
  return definitions.filter((d) => wanted.has(d.name.toLowerCase()));
}
