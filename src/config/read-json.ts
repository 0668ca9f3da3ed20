import { readFileSync } from 'node:fs';
import { ConfigError, type ErrorCode } from '../errors';

/** Reads a JSON object file; `undefined` when it does not exist; a ConfigError naming the file otherwise. */
export function readJsonObject(file: string, invalidCode: ErrorCode): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(invalidCode, `Cannot read ${file}: ${(error as Error).message}`, {
      file,
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(invalidCode, `${file} is not valid JSON: ${(error as Error).message}.`, {
      file,
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(invalidCode, `${file} must contain a JSON object.`, { file });
  }
  return parsed as Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Case-insensitive property lookup, as the Functions host reads its JSON files. */
export function getCaseInsensitive(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
