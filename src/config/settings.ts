import { ConfigError, ErrorCodes } from '../errors';
import type { LocalSettings } from './local-settings';

/**
 * App settings as the Functions host sees them: the environment first, then local.settings.json
 * `Values`, then `ConnectionStrings`. A name is also tried with the `AzureWebJobs` prefix.
 */
export class Settings {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly local: LocalSettings;

  constructor(local: LocalSettings, env: Readonly<Record<string, string | undefined>> = process.env) {
    this.local = local;
    this.env = env;
  }

  /** A plain app setting (environment, then Values), or undefined. */
  get(name: string): string | undefined {
    return nonEmpty(this.env[name]) ?? nonEmpty(this.local.values[name]);
  }

  /** Where a connection setting is found: `ConnectionStrings:<name>`, `<name>`, then `AzureWebJobs<name>`. */
  getConnection(name: string): string | undefined {
    const candidates = [
      `ConnectionStrings:${name}`,
      `ConnectionStrings__${name}`,
      name,
      `AzureWebJobs${name}`,
    ];
    for (const key of candidates) {
      const value = nonEmpty(this.env[key]);
      if (value !== undefined) return value;
    }
    return (
      nonEmpty(this.local.values[name]) ??
      nonEmpty(this.local.connectionStrings[name]) ??
      nonEmpty(this.local.values[`AzureWebJobs${name}`])
    );
  }

  /** True when `AzureWebJobs.<name>.Disabled` is `true` or `1`. */
  isDisabled(functionName: string): boolean {
    const value =
      this.get(`AzureWebJobs.${functionName}.Disabled`) ??
      this.get(`AzureWebJobs__${functionName}__Disabled`);
    return value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());
  }

  /** Replaces each `%Name%` with the setting's value; a missing setting is a configuration error. */
  resolve(text: string, where: { functionName: string; field: string }): string {
    return text.replace(/%([^%]+)%/g, (_match, name: string) => {
      const value = this.get(name);
      if (value === undefined) {
        throw new ConfigError(
          ErrorCodes.SETTING_MISSING,
          `Function '${where.functionName}': ${where.field} refers to the app setting '%${name}%', which is not set ` +
            `in the environment or in local.settings.json Values.`,
          { field: where.field },
        );
      }
      return value;
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
