import { existsSync, readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { ConfigError, ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import { isRecord, parseJsonText } from '../config/read-json';
import type { BindingDefinition, FunctionDefinition } from './definition';
import { freezeDefinition } from './from-core';
import { v3Handler, type V3Function } from './v3-context';

/** Folders `<scriptRoot>/<FunctionName>/function.json`, the v3 (function.json) programming model. */
export function findFunctionJsonFolders(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((name) => !name.startsWith('.') && name !== 'node_modules')
    .filter((name) => existsSync(path.join(root, name, 'function.json')))
    .sort();
}

/** Loads every function.json function: its bindings, its script file and the function it exports. */
export function loadFunctionJsonApp(root: string): FunctionDefinition[] {
  return findFunctionJsonFolders(root).map((folder) => loadOne(root, folder));
}

function loadOne(root: string, name: string): FunctionDefinition {
  const file = path.join(root, name, 'function.json');
  const where = path.relative(root, file);
  const json = readFunctionJson(file, where);
  const bindings = readBindings(json, where);
  const triggers = bindings.filter((b) => b.direction === 'in' && /trigger$/i.test(b.type));
  const trigger = triggers[0];
  if (!trigger || triggers.length > 1) {
    throw invalid(where, 'bindings', `must have exactly one trigger binding; found ${triggers.length}`);
  }
  const scriptFile = typeof json['scriptFile'] === 'string' ? json['scriptFile'] : 'index.js';
  const entryPoint = typeof json['entryPoint'] === 'string' ? json['entryPoint'] : undefined;
  const fn = loadFunction(path.resolve(root, name, scriptFile), entryPoint, where);
  return freezeDefinition({
    name,
    trigger,
    extraInputs: bindings.filter((b) => b !== trigger && b.direction === 'in'),
    extraOutputs: bindings.filter((b) => b.direction === 'out' && b.name !== '$return'),
    returnBinding: bindings.find((b) => b.direction === 'out' && b.name === '$return'),
    retry: isRecord(json['retry']) ? json['retry'] : undefined,
    handler: v3Handler(fn, bindings),
    source: where,
    programmingModel: 'v3',
  });
}

function readFunctionJson(file: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(ErrorCodes.BINDING_INVALID, `${where} cannot be read: ${errorMessage(error)}.`, {
      file,
      cause: error,
    });
  }
  // Comments and trailing commas are accepted, as the Functions host reads function.json.
  const parsed = parseJsonText(text, where, ErrorCodes.BINDING_INVALID);
  if (!isRecord(parsed)) throw invalid(where, '(root)', 'must be a JSON object');
  return parsed;
}

function readBindings(json: Record<string, unknown>, where: string): BindingDefinition[] {
  const raw = json['bindings'];
  if (!Array.isArray(raw) || raw.length === 0) throw invalid(where, 'bindings', 'must be a non-empty array');
  const bindings = raw.map((b: unknown, i) => {
    if (!isRecord(b)) throw invalid(where, `bindings[${i}]`, 'must be an object');
    const { name, type, direction } = b;
    if (typeof name !== 'string' || name === '') throw invalid(where, `bindings[${i}].name`, 'is required');
    if (typeof type !== 'string' || type === '') throw invalid(where, `bindings[${i}].type`, 'is required');
    if (direction !== 'in' && direction !== 'out') {
      throw invalid(where, `bindings[${i}].direction`, 'must be "in" or "out"');
    }
    return Object.freeze({ ...b, name, type, direction });
  });
  const names = bindings.map((b) => b.name.toLowerCase());
  const dupe = names.find((n, i) => names.indexOf(n) !== i);
  if (dupe) throw invalid(where, 'bindings', `has two bindings named '${dupe}'`);
  return bindings;
}

function loadFunction(scriptFile: string, entryPoint: string | undefined, where: string): V3Function {
  let exported: unknown;
  try {
    const requireFrom = Module.createRequire(scriptFile);
    delete requireFrom.cache[scriptFile];
    exported = requireFrom(scriptFile);
  } catch (error) {
    if (error instanceof RedisFuncError) throw error;
    throw new ConfigError(
      ErrorCodes.ENTRY_FILE_FAILED,
      `Loading ${path.basename(scriptFile)} for ${where} failed: ${errorMessage(error)}`,
      { file: scriptFile, cause: error },
    );
  }
  const fn = pickFunction(exported, entryPoint);
  if (!fn) {
    throw invalid(
      where,
      entryPoint ? 'entryPoint' : 'scriptFile',
      entryPoint
        ? `names '${entryPoint}', which ${path.basename(scriptFile)} does not export as a function`
        : `${path.basename(scriptFile)} must export a function (module.exports = async function (context, ...) {...}, or .run)`,
    );
  }
  return fn;
}

function pickFunction(exported: unknown, entryPoint: string | undefined): V3Function | undefined {
  if (entryPoint) {
    const named =
      isRecord(exported) || typeof exported === 'function'
        ? (exported as Record<string, unknown>)[entryPoint]
        : undefined;
    return typeof named === 'function' ? (named as V3Function) : undefined;
  }
  if (typeof exported === 'function') return exported as V3Function;
  if (!isRecord(exported)) return undefined;
  if (typeof exported['run'] === 'function') return exported['run'] as V3Function;
  const functions = Object.values(exported).filter((v) => typeof v === 'function');
  return functions.length === 1 ? (functions[0] as V3Function) : undefined;
}

function invalid(where: string, field: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.BINDING_INVALID, `${where}: "${field}" ${problem}.`, {
    file: where,
    field,
  });
}
