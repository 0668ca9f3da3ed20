import { ConfigError, ErrorCodes } from '../errors';
import {
  configEntries,
  lookupConnection,
  type ConfigEntry,
  type ConnectionLookup,
} from './connection-lookup';
import type { LocalSettings } from './local-settings';

/**
 * App settings as the Functions host sees them: the environment first, then local.settings.json `Values`;
 * connections as the WebJobs SDK looks them up (also in `ConnectionStrings`, also `AzureWebJobs`-prefixed).
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

  /** The connection string a `connection` names (see {@link lookupConnection}), or undefined. */
  getConnection(name: string): string | undefined {
    return this.lookupConnection(name).value?.value;
  }

  /**
   * Where a `connection` is found, in the WebJobs SDK's order: `ConnectionStrings:AzureWebJobs<name>`,
   * `AzureWebJobs<name>`, `ConnectionStrings:<name>`, `<name>`; each in the environment (`__` for `:`)
   * before local.settings.json.
   */
  lookupConnection(name: string): ConnectionLookup {
    return lookupConnection(this.entries(), name);
  }

  /** Every setting, as the Functions host's configuration holds them (environment first). */
  entries(): ConfigEntry[] {
    return configEntries(this.local, this.env);
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
