import { format } from 'node:util';
import type { InvocationContext } from '@azure/functions';
import type { BindingDefinition, FunctionHandler } from './definition';
import { v3BindingData, v3Value, type DataType } from './v3-values';

/** A function of the v3 (function.json) model: `async function (context, triggerValue, ...inputs)`. */
export type V3Function = (context: V3Context, ...inputs: unknown[]) => unknown;

type LogMethod = (...args: unknown[]) => void;

export interface V3Context {
  readonly invocationId: string;
  readonly executionContext: { readonly invocationId: string; readonly functionName: string };
  readonly bindings: Record<string, unknown>;
  readonly bindingData: Record<string, unknown>;
  readonly log: LogMethod & { error: LogMethod; warn: LogMethod; info: LogMethod; verbose: LogMethod };
  done(error?: unknown, result?: unknown): void;
}

/**
 * Wraps a v3 function as a v4 handler: builds the v3 `context` from the v4 InvocationContext, with the
 * trigger value, input values and binding data converted as the Functions host and the v3 worker convert
 * them (v3-values.ts), waits for the returned promise or for `context.done`, and hands outputs back the
 * v4 way (return value for `$return`, `context.extraOutputs` for named outputs) so one invoker serves
 * both models.
 */
export function v3Handler(fn: V3Function, bindings: readonly BindingDefinition[]): FunctionHandler {
  const trigger = bindings.find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
  const inputs = bindings.filter((b) => b.direction === 'in' && b !== trigger);
  const outputs = bindings.filter((b) => b.direction === 'out');
  const triggerDataType = trigger && dataTypeOf(trigger);
  const inputDataTypes = inputs.map(dataTypeOf);
  return async (hostValue: unknown, v4: InvocationContext): Promise<unknown> => {
    const triggerValue = v3Value(hostValue, triggerDataType);
    const inputValues = inputs.map((b, i) => v3Value(v4.extraInputs.get(b.name), inputDataTypes[i]));
    let settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
    const viaDone = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    const context = v3Context(v4, triggerValue, trigger?.name, inputs, inputValues, (error, result) =>
      error ? settle?.reject(error) : settle?.resolve(result),
    );
    const returned = fn(context, triggerValue, ...inputValues);
    // As in the v3 worker: a promise settles the invocation; otherwise a value does; otherwise context.done().
    const result = isPromise(returned) ? await returned : returned !== undefined ? returned : await viaDone;
    for (const output of outputs) {
      if (output.name !== '$return' && context.bindings[output.name] !== undefined) {
        v4.extraOutputs.set(output.name, context.bindings[output.name]);
      }
    }
    return result ?? context.bindings['$return'];
  };
}

function v3Context(
  v4: InvocationContext,
  triggerValue: unknown,
  triggerName: string | undefined,
  inputs: readonly BindingDefinition[],
  inputValues: readonly unknown[],
  done: (error?: unknown, result?: unknown) => void,
): V3Context {
  const log = Object.assign((...args: unknown[]) => v4.log(format(...args)), {
    error: (...args: unknown[]) => v4.error(format(...args)),
    warn: (...args: unknown[]) => v4.warn(format(...args)),
    info: (...args: unknown[]) => v4.info(format(...args)),
    verbose: (...args: unknown[]) => v4.debug(format(...args)),
  });
  const bindings: Record<string, unknown> = {};
  if (triggerName) bindings[triggerName] = triggerValue;
  inputs.forEach((b, i) => (bindings[b.name] = inputValues[i]));
  return {
    invocationId: v4.invocationId,
    executionContext: { invocationId: v4.invocationId, functionName: v4.functionName },
    bindings,
    bindingData: v3BindingData(v4.triggerMetadata, v4.invocationId, v4.functionName),
    log,
    done,
  };
}

/** A binding's `dataType` (any case of the property name). */
function dataTypeOf(binding: BindingDefinition): DataType {
  const key = Object.keys(binding).find((k) => k.toLowerCase() === 'datatype');
  const value = key === undefined ? undefined : binding[key];
  return typeof value === 'string' ? value : undefined;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
