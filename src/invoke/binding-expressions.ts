import { randomUUID } from 'node:crypto';

/**
 * `{Name}` binding expressions in a `redis` binding's `command`, resolved as the 1.x extension's
 * `[AutoResolve]` properties are: from the trigger's binding data (names case-insensitive, `{A.B}` reaching
 * into an object such as a stream entry's `Values`), plus the WebJobs SDK's `{sys.MethodName}`,
 * `{sys.UtcNow}` and `{sys.RandGuid}`. `%Setting%` references are resolved once, at start-up.
 */
const EXPRESSION = /\{([^{}]+)\}/g;

/** The names the expressions of `text` start with (`Values` for `{Values.f}`). */
export function expressionRoots(text: string): string[] {
  return [...text.matchAll(EXPRESSION)].map(([, path = '']) => path.split('.')[0]?.trim() ?? '');
}

/** True when `text` holds a binding expression. */
export function hasExpression(text: string): boolean {
  return expressionRoots(text).length > 0;
}

/** `text` with each expression replaced by its value (strings as they are, other values as JSON). */
export function fillExpressions(
  text: string,
  metadata: Readonly<Record<string, unknown>>,
  functionName: string,
): string {
  return text.replace(EXPRESSION, (_match, path: string) => {
    const [root = '', ...rest] = path.split('.').map((p) => p.trim());
    let value: unknown =
      root.toLowerCase() === 'sys' && !hasKey(metadata, 'sys') ? sys(functionName) : lookup(metadata, root);
    for (const part of rest) value = isRecord(value) ? lookup(value, part) : undefined;
    if (value === undefined) {
      throw new Error(`The binding expression {${path}} has no value in this invocation's binding data.`);
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function sys(functionName: string): Record<string, unknown> {
  return { MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() };
}

function lookup(record: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function hasKey(record: Readonly<Record<string, unknown>>, name: string): boolean {
  return lookup(record, name) !== undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
