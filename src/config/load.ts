import path from 'node:path';
import { loadApp, type EntryLoader, type LoadedApp } from '../registration/loader';
import type { ResolvedFunction } from '../triggers/trigger';
import { resolveFunctions } from './app-config';
import { loadHostJson, type HostConfig } from './host-json';
import { loadLocalSettings, type LocalSettings } from './local-settings';
import { Settings } from './settings';

export interface AppConfiguration {
  readonly scriptRoot: string;
  readonly host: HostConfig;
  readonly localSettings: LocalSettings;
  readonly settings: Settings;
  readonly app: LoadedApp;
  readonly functions: readonly ResolvedFunction[];
}

export interface LoadOptions {
  readonly scriptRoot: string;
  /** Only these functions (`--functions`). */
  readonly functions?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How entry files are loaded (the test host under Jest passes one that uses Jest's registry). */
  readonly loadEntry?: EntryLoader;
  /** Copy local.settings.json Values into process.env (default: when `env` is process.env). */
  readonly applyValuesToEnv?: boolean;
}

/**
 * host.json, then local.settings.json, then the app's entry files, then every function's trigger:
 * each step validated, so the first problem found is reported before anything connects.
 */
export async function loadConfiguration(options: LoadOptions): Promise<AppConfiguration> {
  const scriptRoot = path.resolve(options.scriptRoot);
  const host = loadHostJson(scriptRoot);
  const localSettings = loadLocalSettings(scriptRoot);
  const env = options.env ?? process.env;
  // As the Functions host does: Values become environment variables, an existing variable wins.
  if (options.applyValuesToEnv ?? options.env === undefined) {
    for (const [name, value] of Object.entries(localSettings.values)) process.env[name] ??= value;
  }
  const settings = new Settings(localSettings, env);
  const app = await loadApp(scriptRoot, options.loadEntry);
  const functions = resolveFunctions(app.functions, settings, host, options.functions);
  return Object.freeze({
    scriptRoot,
    host,
    localSettings,
    settings,
    app,
    functions: Object.freeze(functions),
  });
}
