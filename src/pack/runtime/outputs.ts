/**
 * Turns a handler's output value (redis-func's rules: a space-delimited string, an array of arguments,
 * or an array of argument arrays for several commands) into what the 1.x output binding takes: a
 * space-delimited string per command, and an array of those for several commands.
 */
export function toV1Output(value: unknown, bindingName: string): string | string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => Array.isArray(v))) {
      return (value as unknown[][]).map((args) => joinArguments(args, bindingName));
    }
    return joinArguments(value as unknown[], bindingName);
  }
  throw new Error(
    `Output binding '${bindingName}': expected a string or an array of arguments, got ${typeof value}.`,
  );
}

function joinArguments(args: readonly unknown[], bindingName: string): string {
  return args
    .map((arg) => {
      const word = typeof arg === 'string' ? arg : JSON.stringify(arg);
      if (word === '' || /\s/.test(word)) {
        throw new Error(
          `Output binding '${bindingName}': the argument ${JSON.stringify(word)} is empty or contains whitespace. ` +
            `The Azure Redis extension splits an output value on spaces, so it cannot pass it as one argument.`,
        );
      }
      return word;
    })
    .join(' ');
}
