import type { Settings } from '../config/settings';
import { ConfigError, ErrorCodes } from '../errors';
import type { BindingDefinition } from '../registration/definition';
import { closestName, findUnknownOptions, type UnknownOption } from './unknown-options';

/**
 * Reads a binding's options case-insensitively under any of their names (preview and 1.x), and turns
 * every bad value into a configuration error that names the function and the option.
 */
export class BindingOptions {
  private readonly byLowerName = new Map<string, unknown>();
  /** Every option name asked for (present or not): what this binding type knows. */
  private readonly asked = new Set<string>();

  constructor(
    readonly functionName: string,
    private readonly binding: BindingDefinition,
    private readonly settings: Settings,
    private readonly source: string,
  ) {
    for (const [key, value] of Object.entries(binding)) this.byLowerName.set(key.toLowerCase(), value);
  }

  /** The first of `names` present (value and the name as asked for). */
  find(names: readonly string[]): { name: string; value: unknown } | undefined {
    for (const name of names) this.asked.add(name);
    for (const name of names) {
      const value = this.byLowerName.get(name.toLowerCase());
      if (value !== undefined && value !== null) return { name, value };
    }
    return undefined;
  }

  /**
   * The binding's properties that are neither generic nor among `known` nor asked for so far
   * (call after every option was read).
   */
  unknownOptions(known: readonly string[]): UnknownOption[] {
    return findUnknownOptions(this.binding, new Set([...known, ...this.asked]));
  }

  /** ` (the binding has "chanel"; did you mean "channel"?)` when a property looks like a misspelling of `names`. */
  private misspelled(names: readonly string[]): string {
    const unknown = findUnknownOptions(this.binding, this.asked).map((u) => u.option);
    for (const key of unknown) {
      const closest = closestName(key, names);
      if (closest && key.toLowerCase() !== closest.toLowerCase())
        return ` (the binding has "${key}"; did you mean "${closest}"?)`;
    }
    return '';
  }

  error(option: string, problem: string): ConfigError {
    return new ConfigError(
      ErrorCodes.BINDING_INVALID,
      `Function '${this.functionName}' (${this.source}): option "${option}" ${problem}.`,
      { file: this.source, field: option },
    );
  }

  /** A non-empty string, with `%Setting%` references resolved when `resolveSettings`. */
  string(names: readonly string[], opts: { required: true; resolveSettings?: boolean }): string;
  string(
    names: readonly string[],
    opts?: { required?: false; resolveSettings?: boolean },
  ): string | undefined;
  string(
    names: readonly string[],
    opts: { required?: boolean; resolveSettings?: boolean } = {},
  ): string | undefined {
    const found = this.find(names);
    const primary = names[0] ?? 'option';
    if (!found) {
      if (opts.required) throw this.error(primary, `is required${this.misspelled(names)}`);
      return undefined;
    }
    if (typeof found.value !== 'string')
      throw this.error(found.name, `must be a string (found ${typeof found.value})`);
    const text = opts.resolveSettings
      ? this.settings.resolve(found.value, { functionName: this.functionName, field: found.name })
      : found.value;
    if (text.trim() === '') throw this.error(found.name, 'must not be empty');
    return text;
  }

  boolean(names: readonly string[], defaultValue: boolean): boolean {
    const found = this.find(names);
    if (!found) return defaultValue;
    if (typeof found.value === 'boolean') return found.value;
    if (typeof found.value === 'string' && /^(true|false)$/i.test(found.value.trim())) {
      return found.value.trim().toLowerCase() === 'true';
    }
    throw this.error(found.name, `must be true or false (found ${JSON.stringify(found.value)})`);
  }

  /** A whole number >= `min` (default 1). Numeric strings are accepted, as function.json allows. */
  integer(names: readonly string[], defaultValue: number, min = 1): number {
    const found = this.find(names);
    if (!found) return defaultValue;
    const n =
      typeof found.value === 'string' && found.value.trim() !== '' ? Number(found.value) : found.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
      throw this.error(found.name, `must be a whole number >= ${min} (found ${JSON.stringify(found.value)})`);
    }
    return n;
  }

  /** One of `allowed` (compared case-insensitively, returned as listed). */
  oneOf<T extends string>(names: readonly string[], allowed: readonly T[], defaultValue: T): T {
    const found = this.find(names);
    if (!found) return defaultValue;
    const match = allowed.find(
      (a) => typeof found.value === 'string' && a.toLowerCase() === found.value.toLowerCase(),
    );
    if (!match)
      throw this.error(
        found.name,
        `must be one of ${allowed.join(', ')} (found ${JSON.stringify(found.value)})`,
      );
    return match;
  }
}

/** `connection` under its preview and 1.x names. */
export const CONNECTION_NAMES = ['connection', 'connectionStringSetting', 'connectionString'] as const;
