import { ConfigError, ErrorCodes } from '../errors';
import type { CoreRegistration } from './core-module';
import type { BindingDefinition, FunctionDefinition } from './definition';

/** Turns what `@azure/functions` handed to `registerFunction` into a plain FunctionDefinition. */
export function definitionFromCore(
  registration: CoreRegistration,
  fallbackSource: string,
): FunctionDefinition {
  const { metadata } = registration;
  const source = registration.source ?? fallbackSource;
  const bindings = Object.entries(metadata.bindings).map(([name, binding]) => toBinding(name, binding));
  const triggers = bindings.filter((b) => b.direction === 'in' && /trigger$/i.test(b.type));
  const trigger = triggers[0];
  if (!trigger || triggers.length > 1) {
    throw new ConfigError(
      ErrorCodes.BINDING_INVALID,
      `Function '${metadata.name}' (${source}) must have exactly one trigger binding; found ${triggers.length}.`,
      { file: source, field: 'trigger' },
    );
  }
  return freezeDefinition({
    name: metadata.name,
    trigger,
    extraInputs: bindings.filter((b) => b !== trigger && b.direction === 'in'),
    extraOutputs: bindings.filter((b) => b.direction === 'out' && b.name !== '$return'),
    returnBinding: bindings.find((b) => b.direction === 'out' && b.name === '$return'),
    retry: metadata.retryOptions,
    handler: registration.handler,
    source,
  });
}

function toBinding(name: string, raw: Record<string, unknown>): BindingDefinition {
  // `properties` is the SDK-binding flag the library adds for the worker; it is not a user option.
  const { properties: _properties, ...rest } = raw;
  const direction = rest['direction'] === 'out' ? 'out' : 'in';
  return Object.freeze({
    ...rest,
    name,
    type: typeof rest['type'] === 'string' ? rest['type'] : '',
    direction,
  });
}

export function freezeDefinition(definition: FunctionDefinition): FunctionDefinition {
  return Object.freeze({
    ...definition,
    extraInputs: Object.freeze([...definition.extraInputs]),
    extraOutputs: Object.freeze([...definition.extraOutputs]),
  });
}

/** The same conversion for a registration that did not go through `@azure/functions` (tests, decorators). */
export function definitionFromRegistration(
  registration: {
    readonly name: string;
    readonly options: import('@azure/functions').GenericFunctionOptions;
  },
  source: string,
): FunctionDefinition {
  const { options } = registration;
  const bindings: Record<string, Record<string, unknown>> = {
    [options.trigger.name]: { ...options.trigger, direction: 'in' },
  };
  for (const input of options.extraInputs ?? []) bindings[input.name] = { ...input, direction: 'in' };
  if (options.return) bindings['$return'] = { ...options.return, direction: 'out' };
  for (const output of options.extraOutputs ?? []) bindings[output.name] = { ...output, direction: 'out' };
  return definitionFromCore(
    {
      metadata: {
        name: registration.name,
        bindings: bindings,
        retryOptions: options.retry as Readonly<Record<string, unknown>> | undefined,
      },
      handler: options.handler as CoreRegistration['handler'],
      source,
    },
    source,
  );
}
