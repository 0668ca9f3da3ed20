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
  /** The local.settings.json Values this load wrote into process.env (variables that were not set). */
  readonly appliedValues: readonly string[];
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
  /** Variables an earlier load wrote (a reload): their values follow local.settings.json again. */
  readonly replaceValues?: readonly string[];
  /** Read every module of the app from disk again, not only its entry files (a reload). */
  readonly freshModules?: boolean;
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
  const appliedValues: string[] = [];
  if (options.applyValuesToEnv ?? options.env === undefined) {
    const ours = new Set(options.replaceValues);
    for (const [name, value] of Object.entries(localSettings.values)) {
      if (process.env[name] !== undefined && !ours.has(name)) continue;
      process.env[name] = value;
      appliedValues.push(name);
    }
  }
  const settings = new Settings(localSettings, env);
  const app = await loadApp(scriptRoot, options.loadEntry, options.freshModules);
  const functions = resolveFunctions(app.functions, settings, host, options.functions);
  return Object.freeze({
    scriptRoot,
    host,
    localSettings,
    settings,
    app,
    functions: Object.freeze(functions),
    appliedValues: Object.freeze(appliedValues),
  });
}
