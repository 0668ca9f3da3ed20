import type { InvocationContext } from '@azure/functions';
import type { Settings } from '../config/settings';
import { ConfigError, ErrorCodes } from '../errors';
import type { BindingDefinition } from '../registration/definition';
import { BindingOptions, CONNECTION_NAMES } from '../triggers/binding-options';
import type { CommandPort } from '../triggers/ports';

/** A `redis` input or output binding, validated. */
export interface RedisBinding {
  readonly name: string;
  readonly direction: 'in' | 'out';
  readonly connection: string;
  /** The command's words; an input's may hold `{Name}` binding expressions. */
  readonly command: readonly string[];
  /**
   * Outputs of function.json apps under `triggerValueFormat: "v1"` follow the 1.x collector: an array of
   * strings is several commands, one space-delimited string each (what `redis-func pack` shims produce).
   */
  readonly collector: boolean;
}

/** The options of a `redis` input or output binding (besides the generic binding properties). */
export const REDIS_BINDING_OPTIONS: readonly string[] = [...CONNECTION_NAMES, 'command'];

const EXPRESSION = /\{([^{}]+)\}/g;

/** Validates the extra bindings of a function: only `redis` bindings, with known binding expressions. */
export function parseRedisBindings(
  functionName: string,
  source: string,
  bindings: readonly BindingDefinition[],
  settings: Settings,
  metadataNames: readonly string[] | undefined,
  collector = false,
): RedisBinding[] {
  return bindings.map((binding) => {
    const options = new BindingOptions(functionName, binding, settings, source);
    if (binding.type.toLowerCase() !== 'redis') {
      throw new ConfigError(
        ErrorCodes.BINDING_INVALID,
        `Function '${functionName}' (${source}): binding '${binding.name}' has type '${binding.type}'; redis-func ` +
          `runs Redis triggers with 'redis' input and output bindings only.`,
        { file: source, field: binding.name },
      );
    }
    const command = options
      .string(['command'], { required: true, resolveSettings: true })
      .trim()
      .split(/\s+/);
    if (binding.direction === 'in' && metadataNames) {
      for (const [, name = ''] of command.join(' ').matchAll(EXPRESSION)) {
        if (!metadataNames.some((m) => m.toLowerCase() === name.toLowerCase())) {
          throw options.error(
            'command',
            `uses the binding expression {${name}}, which this trigger does not provide (it provides ${metadataNames.map((m) => `{${m}}`).join(', ')})`,
          );
        }
      }
    }
    return Object.freeze({
      name: binding.name,
      direction: binding.direction,
      connection: options.string(CONNECTION_NAMES, { required: true }),
      command: Object.freeze(command),
      collector,
    });
  });
}

type Commands = (connection: string) => CommandPort | undefined;

/** Runs each input binding's command with the trigger metadata filled in; sets `context.extraInputs`. */
export async function resolveInputs(
  inputs: readonly RedisBinding[],
  context: InvocationContext,
  commands: Commands,
): Promise<void> {
  for (const input of inputs) {
    const args = input.command.map((word) => fillExpressions(word, context.triggerMetadata ?? {}));
    context.extraInputs.set(input.name, await port(commands, input).execute(args));
  }
}

/** After success: turns each output binding's value into commands and runs them in order. */
export async function runOutputs(
  outputs: readonly RedisBinding[],
  context: InvocationContext,
  returned: unknown,
  commands: Commands,
): Promise<void> {
  for (const output of outputs) {
    const value = output.name === '$return' ? returned : context.extraOutputs.get(output.name);
    for (const args of toArgumentLists(value, output.name, output.collector)) {
      await port(commands, output).execute([...output.command, ...args]);
    }
  }
}

/**
 * A string is a space-delimited argument list (as in the 1.x extension); an array of strings is one
 * argument list (arguments may contain spaces); an array of arrays is several commands.
 */
export function toArgumentLists(value: unknown, name: string, collector = false): string[][] {
  if (value === undefined || value === null) return [];
  if (collector && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.flatMap((v) => toArgumentLists(v, name));
  }
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim().split(/\s+/)];
  if (typeof value === 'number' || typeof value === 'boolean') return [[String(value)]];
  if (Array.isArray(value)) {
    if (value.every((v) => Array.isArray(v)))
      return (value as unknown[]).flatMap((v) => toArgumentLists(v, name));
    return [value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))];
  }
  throw new Error(
    `Output binding '${name}': expected a string or an array of arguments, got ${typeof value}.`,
  );
}

function fillExpressions(word: string, metadata: Record<string, unknown>): string {
  return word.replace(EXPRESSION, (_m, name: string) => {
    const key = Object.keys(metadata).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : metadata[key];
    return typeof value === 'string' ? value : JSON.stringify(value ?? null);
  });
}

function port(commands: Commands, binding: RedisBinding): CommandPort {
  const found = commands(binding.connection);
  if (!found) throw new Error(`Binding '${binding.name}': this broker cannot run Redis commands.`);
  return found;
}
