import type { InvocationContext } from '@azure/functions';

/** A binding as declared (function.json, app.generic or a decorator): its own properties, as written. */
export interface BindingDefinition {
  readonly name: string;
  readonly type: string;
  readonly direction: 'in' | 'out';
  readonly [property: string]: unknown;
}

export type FunctionHandler = (input: unknown, context: InvocationContext) => unknown;

/** What the host runs: plain, frozen data built from whichever way the function was declared. */
export interface FunctionDefinition {
  readonly name: string;
  readonly trigger: BindingDefinition;
  readonly extraInputs: readonly BindingDefinition[];
  readonly extraOutputs: readonly BindingDefinition[];
  readonly returnBinding: BindingDefinition | undefined;
  /** Retry options as declared (validated by the invoker's policy). */
  readonly retry: Readonly<Record<string, unknown>> | undefined;
  readonly handler: FunctionHandler;
  /** Where the function was declared, for error messages (a file, or `Class.method`). */
  readonly source: string;
  /** `v3` for function.json functions; v4 (`app.generic`, decorators) otherwise. */
  readonly programmingModel?: 'v3' | 'v4';
}

const NAME_RULE = /^[A-Za-z][A-Za-z0-9_-]{0,126}$/;

export function isValidFunctionName(name: string): boolean {
  return NAME_RULE.test(name);
}
