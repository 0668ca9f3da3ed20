import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvocationContext, type RetryContext } from '@azure/functions';
import type { FunctionDefinition } from '../../registration/definition';
import { loadPackedApp } from './load-app';
import { toV1Output } from './outputs';
import { MANIFEST_FILE, type PackManifest, type ShimSpec } from './spec';
import { fromV1Value } from './values';

type LogMethod = (...args: unknown[]) => void;

/** The parts of the v3 (function.json) `context` the shim uses; the worker's and redis-func's both fit. */
export interface ShimContext {
  readonly invocationId: string;
  readonly executionContext?: { readonly retryContext?: RetryContext | null };
  readonly bindings: Record<string, unknown>;
  readonly bindingData?: Record<string, unknown>;
  readonly log: LogMethod & { error: LogMethod; warn: LogMethod; info?: LogMethod; verbose: LogMethod };
}

export type ShimFunction = (
  context: ShimContext,
  triggerValue: unknown,
  ...inputs: unknown[]
) => Promise<unknown>;

/**
 * The function a generated `<name>/index.js` exports: on each invocation it loads the app (once),
 * rebuilds the local value, trigger metadata and InvocationContext, calls the registered handler and
 * hands its outputs back in the 1.x shapes.
 */
export function createShim(functionDir: string, spec: ShimSpec): ShimFunction {
  const root = path.resolve(functionDir, '..');
  let manifest: PackManifest | undefined;
  return async (context, triggerValue, ...inputs) => {
    manifest ??= readManifest(root);
    const definition = await findDefinition(root, manifest, spec.function);
    const { input, triggerMetadata } = fromV1Value(
      spec,
      manifest.valueFormat,
      triggerValue,
      context.bindingData,
    );
    const v4 = new InvocationContext({
      invocationId: context.invocationId,
      functionName: definition.name,
      triggerMetadata,
      retryContext: context.executionContext?.retryContext ?? undefined,
      options: {
        trigger: definition.trigger,
        extraInputs: definition.extraInputs as never,
        extraOutputs: definition.extraOutputs as never,
        return: definition.returnBinding as never,
      },
      logHandler: (level, ...args) => logTo(context, level, args),
    });
    definition.extraInputs.forEach((binding, i) =>
      v4.extraInputs.set(binding.name, context.bindings[binding.name] ?? inputs[i]),
    );
    const result: unknown = await definition.handler(input, v4);
    for (const output of definition.extraOutputs) {
      const value = toV1Output(v4.extraOutputs.get(output.name), output.name);
      if (value !== undefined) context.bindings[output.name] = value;
    }
    return definition.returnBinding ? toV1Output(result, '$return') : undefined;
  };
}

function readManifest(root: string): PackManifest {
  const file = path.join(root, MANIFEST_FILE);
  return JSON.parse(readFileSync(file, 'utf8')) as PackManifest;
}

async function findDefinition(
  root: string,
  manifest: PackManifest,
  name: string,
): Promise<FunctionDefinition> {
  const definitions = await loadPackedApp(root, manifest.entryFiles);
  const found = definitions.find((d) => d.name === name);
  if (!found) {
    throw new Error(
      `redis-func shim: the app registered no function '${name}' (it registered ${definitions.map((d) => d.name).join(', ') || 'none'}). Pack the app again.`,
    );
  }
  return found;
}

function logTo(context: ShimContext, level: string, args: unknown[]): void {
  switch (level) {
    case 'trace':
    case 'debug':
      return context.log.verbose(...args);
    case 'warning':
      return context.log.warn(...args);
    case 'error':
    case 'critical':
      return context.log.error(...args);
    default:
      return context.log(...args);
  }
}
