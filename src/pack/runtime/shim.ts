import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvocationContext, type RetryContext } from '@azure/functions';
import pino from 'pino';
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
 * The function a generated `<name>/index.js` exports. Creating it (when the worker requires the shim)
 * loads the app: a CommonJS app that throws at import, or that no longer registers the function, makes
 * this throw, so the worker reports the function's load as failed with that error. An ES module app loads
 * asynchronously: its failure is logged once, on stderr, and fails each invocation. On each invocation the
 * shim rebuilds the local value, trigger metadata and InvocationContext, calls the registered handler and
 * hands its outputs back in the 1.x shapes.
 */
export function createShim(functionDir: string, spec: ShimSpec): ShimFunction {
  const root = path.resolve(functionDir, '..');
  const manifest = readManifest(root);
  const app = loadPackedApp(root, manifest.entryFiles);
  let found = app instanceof Promise ? undefined : findDefinition(app, spec.function);
  if (app instanceof Promise) reportOnce(app);
  return async (context, triggerValue, ...inputs) => {
    const definition = (found ??= findDefinition(await app, spec.function));
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

function findDefinition(definitions: readonly FunctionDefinition[], name: string): FunctionDefinition {
  const found = definitions.find((d) => d.name === name);
  if (!found) {
    throw new Error(
      `redis-func shim: the app registered no function '${name}' (it registered ${definitions.map((d) => d.name).join(', ') || 'none'}). Pack the app again.`,
    );
  }
  return found;
}

const reported = new WeakSet<Promise<unknown>>();

/** An ES module app's load failure, written once (it has no invocation to log to yet). */
function reportOnce(loading: Promise<unknown>): void {
  if (reported.has(loading)) return;
  reported.add(loading);
  loading.catch((error: unknown) => {
    const logger = pino({ base: undefined }, pino.destination({ dest: 2, sync: true }));
    logger.error({ err: error }, error instanceof Error ? error.message : String(error));
  });
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
