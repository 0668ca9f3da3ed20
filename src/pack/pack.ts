import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostJson, valueFormatOf } from '../config/host-json';
import { EMPTY_LOCAL_SETTINGS, loadLocalSettings, type LocalSettings } from '../config/local-settings';
import { Settings } from '../config/settings';
import { ConfigError, ErrorCodes } from '../errors';
import { findFunctionJsonFolders } from '../registration/function-json';
import { loadApp, readEntryGlob } from '../registration/loader';
import { neededSettings } from './app-settings';
import { copyCode } from './copy-code';
import { deployDependencies, type DependencyNote } from './dependencies';
import { translateFunctions } from './function-json';
import { differenceRow } from './trigger-differences';
import { packHostJson } from './host-json';
import { generalNotes } from './notes';
import { prepareOutDir, resolveOutDir } from './out-dir';
import { ownPackage } from './own-package';
import { packPackageJson } from './package-json';
import { MANIFEST_FILE, type PackManifest } from './runtime/spec';
import { shimFileName, shimSource } from './shim-source';
import type { Difference, NeededSetting, PackedFunction } from './types';

export interface PackOptions {
  readonly scriptRoot: string;
  /** Default `<scriptRoot>/.redis-func/deploy`. */
  readonly outDir?: string;
  /** Refuse when an option behaves differently in Azure. */
  readonly strict?: boolean;
}

export interface PackResult {
  readonly outDir: string;
  readonly functions: readonly PackedFunction[];
  /** function.json functions of the app, copied unchanged. */
  readonly copiedFunctions: readonly string[];
  readonly differences: readonly Difference[];
  readonly settings: readonly NeededSetting[];
  readonly notes: readonly string[];
  /** Code files and folders copied, relative to the script root. */
  readonly code: readonly string[];
  /** Dependencies whose spec pack changed so that they install from the deploy folder. */
  readonly dependencies: readonly DependencyNote[];
}

/** `redis-func pack`: writes the app in the function.json layout the Azure Redis extension supports. */
export async function packApp(options: PackOptions): Promise<PackResult> {
  const root = path.resolve(options.scriptRoot);
  const host = loadHostJson(root);
  const settings = new Settings(localSettingsIfAny(root), process.env);
  const app = await loadApp(root);
  const v3Folders = new Set(findFunctionJsonFolders(root));
  const translated = translateFunctions(
    app.functions.filter((d) => !v3Folders.has(d.name)),
    settings,
  );
  const packedHost = packHostJson(host.raw);
  const differences = [...packedHost.differences, ...hookRows(app.hooks), ...translated.differences];
  refuseIfStrict(options.strict === true, differences);
  const outDir = resolveOutDir(root, options.outDir);
  prepareOutDir(root, outDir);
  const appPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const esm = appPackage['type'] === 'module';
  const code = copyCode({
    root,
    main: readEntryGlob(path.join(root, 'package.json'))?.glob,
    entryFiles: app.entryFiles,
    outDir,
  });
  writeJson(path.join(outDir, 'host.json'), packedHost.hostJson);
  const deploy = deployDependencies(root, outDir, appPackage);
  writeJson(path.join(outDir, 'package.json'), packPackageJson(appPackage, deploy.dependencies));
  writeJson(path.join(outDir, MANIFEST_FILE), manifest(root, app.entryFiles, valueFormatOf(host, 'v4')));
  for (const fn of translated.functions) writeFunction(outDir, fn, esm);
  for (const folder of v3Folders)
    cpSync(path.join(root, folder), path.join(outDir, folder), { recursive: true });
  return {
    outDir,
    functions: translated.functions,
    copiedFunctions: [...v3Folders],
    differences,
    settings: neededSettings(translated.functions, settings),
    notes: generalNotes(translated.functions),
    code,
    dependencies: deploy.notes,
  };
}

function writeFunction(outDir: string, fn: PackedFunction, esm: boolean): void {
  const folder = path.join(outDir, fn.name);
  mkdirSync(folder, { recursive: true });
  const scriptFile = shimFileName(esm);
  writeJson(path.join(folder, 'function.json'), { ...fn.functionJson, scriptFile });
  writeFileSync(path.join(folder, scriptFile), shimSource(fn));
}

function manifest(
  root: string,
  entryFiles: readonly string[],
  valueFormat: PackManifest['valueFormat'],
): PackManifest {
  const own = ownPackage();
  return {
    generatedBy: `${own.name} ${own.version}`,
    entryFiles: entryFiles.map((file) => path.relative(root, file).split(path.sep).join('/')),
    valueFormat,
  };
}

function refuseIfStrict(strict: boolean, differences: readonly Difference[]): void {
  const blocking = differences.filter((d) => d.severity === 'differs');
  if (!strict || blocking.length === 0) return;
  throw new ConfigError(
    ErrorCodes.PACK_REFUSED,
    `--strict: ${blocking.length} option(s) would behave differently in Azure: ` +
      blocking.map((d) => `${d.function} ${d.option} (${d.azure})`).join('; ') +
      '. Remove them or pack without --strict.',
    { field: blocking[0]?.option },
  );
}

function hookRows(hooks: readonly { readonly name: string }[]): Difference[] {
  return [...new Set(hooks.map((h) => h.name))].map((name) => ({
    function: 'app',
    ...differenceRow('appHooks', `app.hook.${name}`),
  }));
}

function localSettingsIfAny(root: string): LocalSettings {
  try {
    return loadLocalSettings(root);
  } catch {
    return EMPTY_LOCAL_SETTINGS; // settings only sharpen the report; packing needs none
  }
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
