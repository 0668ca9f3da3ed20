import type { InvocationContext } from '@azure/functions';
import type { Settings } from '../config/settings';
import { ConfigError, ErrorCodes } from '../errors';
import type { BindingDefinition } from '../registration/definition';
import { BindingOptions, CONNECTION_NAMES } from '../triggers/binding-options';
import type { CommandPort } from '../triggers/ports';
import { expressionRoots, fillExpressions, hasExpression } from './binding-expressions';
import { isInputCommand, unsupportedInputCommand } from './input-commands';
import { currentTraceFields, tracedCommand } from './tracing';

/** A `redis` input or output binding, validated. */
export interface RedisBinding {
  readonly name: string;
  readonly direction: 'in' | 'out';
  readonly connection: string;
  /**
   * The command as written, `%Setting%` resolved; `{Name}` binding expressions are filled in at each
   * invocation, then the text is split at each space (as the 1.x extension does).
   */
  readonly command: string;
  /**
   * Outputs of function.json apps in `v1` mode follow the 1.x collector: an array of strings is several
   * commands, one space-delimited string each (what `redis-func pack` shims produce).
   */
  readonly collector: boolean;
  /** Output XADD only: add the current trace context as `traceparent` (and `tracestate`) fields. */
  readonly traceContext: boolean;
}

/** The options of a `redis` input or output binding (besides the generic binding properties). */
export const REDIS_BINDING_OPTIONS: readonly string[] = [...CONNECTION_NAMES, 'command', 'traceContext'];

/**
 * Validates the extra bindings of a function: only `redis` bindings, with binding expressions the
 * trigger provides and, for inputs, one of the 1.x extension's read commands.
 */
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
    const command = options.string(['command'], { required: true, resolveSettings: true }).trim();
    if (metadataNames) checkExpressions(options, command, metadataNames);
    if (binding.direction === 'in') {
      const word = command.split(' ')[0] ?? '';
      if (!hasExpression(word) && !isInputCommand(word)) {
        throw options.error('command', `is not allowed: ${unsupportedInputCommand(word)}`);
      }
    }
    const traceContext = options.boolean(['traceContext'], false);
    if (traceContext) checkTraceContext(options, binding.direction, command);
    return Object.freeze({
      name: binding.name,
      direction: binding.direction,
      connection: options.string(CONNECTION_NAMES, { required: true }),
      command,
      collector,
      traceContext,
    });
  });
}

function checkExpressions(options: BindingOptions, command: string, metadataNames: readonly string[]): void {
  const known = [...metadataNames, 'sys'];
  for (const name of expressionRoots(command)) {
    if (!known.some((m) => m.toLowerCase() === name.toLowerCase())) {
      throw options.error(
        'command',
        `uses the binding expression {${name}}, which this trigger does not provide (it provides ${known.map((m) => `{${m}}`).join(', ')})`,
      );
    }
  }
}

/** `traceContext` adds fields to the entries an output binding's XADD writes: nothing else takes it. */
function checkTraceContext(options: BindingOptions, direction: string, command: string): void {
  const word = command.split(' ')[0] ?? '';
  if (direction !== 'out' || (!hasExpression(word) && word.toUpperCase() !== 'XADD')) {
    throw options.error('traceContext', 'applies to output bindings whose command is XADD only');
  }
}

type Commands = (connection: string) => CommandPort | undefined;

/** Runs each input binding's command with the binding data filled in; sets `context.extraInputs`. */
export async function resolveInputs(
  inputs: readonly RedisBinding[],
  context: InvocationContext,
  commands: Commands,
): Promise<void> {
  for (const input of inputs) {
    const args = commandWords(input, context);
    const word = args[0] ?? '';
    if (!isInputCommand(word)) throw new Error(`Binding '${input.name}': ${unsupportedInputCommand(word)}`);
    const reply = await tracedCommand(word, () => port(commands, input).execute(args));
    if (Array.isArray(reply)) {
      throw new Error(
        `Binding '${input.name}': ${word} replied with an array; an input binding takes a single value (as in the 1.x extension).`,
      );
    }
    context.extraInputs.set(input.name, reply);
  }
}

/**
 * What start-up says once per function with output bindings: redis-func waits for each output command
 * and fails the invocation when one fails, where the 1.x extension sends them fire-and-forget.
 */
export function outputDifferenceNote(functionName: string): string {
  return (
    `Function '${functionName}': its Redis output commands are awaited, and a failing one fails the ` +
    `invocation (the 1.x extension sends output commands fire-and-forget and never sees their errors).`
  );
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
    const argumentLists = toArgumentLists(value, output.name, output.collector);
    if (argumentLists.length === 0) continue;
    const command = commandWords(output, context);
    const word = command[0] ?? '';
    const withTrace = output.traceContext && word.toUpperCase() === 'XADD';
    for (const args of argumentLists) {
      await tracedCommand(word, () =>
        port(commands, output).execute(
          withTrace ? [...command, ...args, ...currentTraceFields()] : [...command, ...args],
        ),
      );
    }
  }
}

/** The command with its binding expressions filled in, split at each space as 1.x splits it. */
function commandWords(binding: RedisBinding, context: InvocationContext): string[] {
  const text = hasExpression(binding.command)
    ? fillExpressions(binding.command, context.triggerMetadata ?? {}, context.functionName)
    : binding.command;
  return text.split(' ');
}

/**
 * A string is split at each space into arguments, as the 1.x extension splits it (two spaces make an
 * empty argument); an array of strings is one argument list (arguments may contain spaces), or, for a
 * 1.x collector, several space-delimited commands; an array of arrays is several commands. A 1.x
 * collector takes an object as its JSON text.
 */
export function toArgumentLists(value: unknown, name: string, collector = false): string[][] {
  if (value === undefined || value === null) return [];
  if (collector && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.flatMap((v) => toArgumentLists(v, name));
  }
  if (typeof value === 'string') return value === '' ? [] : [value.split(' ')];
  // A 1.x collector takes strings: the host hands it any other value as JSON text.
  if (collector && typeof value === 'object' && !Array.isArray(value))
    return [JSON.stringify(value).split(' ')];
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

function port(commands: Commands, binding: RedisBinding): CommandPort {
  const found = commands(binding.connection);
  if (!found) throw new Error(`Binding '${binding.name}': this broker cannot run Redis commands.`);
  return found;
}
