import path from 'node:path';
import { ConfigError, ErrorCodes } from '../errors';
import { getCaseInsensitive, isRecord, readJsonObject } from './read-json';

export interface LocalSettings {
  readonly file: string | undefined;
  readonly values: Readonly<Record<string, string>>;
  readonly connectionStrings: Readonly<Record<string, string>>;
  readonly localHttpPort: number | undefined;
}

export const EMPTY_LOCAL_SETTINGS: LocalSettings = Object.freeze({
  file: undefined,
  values: Object.freeze({}),
  connectionStrings: Object.freeze({}),
  localHttpPort: undefined,
});

/** Reads `<scriptRoot>/local.settings.json` when present. */
export function loadLocalSettings(scriptRoot: string): LocalSettings {
  const file = path.join(scriptRoot, 'local.settings.json');
  const raw = readJsonObject(file, ErrorCodes.LOCAL_SETTINGS_INVALID);
  return raw ? parseLocalSettings(raw, file) : EMPTY_LOCAL_SETTINGS;
}

export function parseLocalSettings(
  raw: Record<string, unknown>,
  file = 'local.settings.json',
): LocalSettings {
  // The Functions host treats a missing IsEncrypted as true; a file written for local use says false.
  const encrypted = getCaseInsensitive(raw, 'IsEncrypted');
  if (encrypted === true || encrypted === 'true') {
    throw new ConfigError(
      ErrorCodes.LOCAL_SETTINGS_ENCRYPTED,
      `${file}: "IsEncrypted" is true. redis-func cannot decrypt settings encrypted for the Functions host; ` +
        `run 'func settings decrypt' or write the values in clear and set "IsEncrypted": false.`,
      { file, field: 'IsEncrypted' },
    );
  }
  const port = getCaseInsensitive(isRecordOr(getCaseInsensitive(raw, 'Host')), 'LocalHttpPort');
  if (port !== undefined && !(Number.isInteger(Number(port)) && Number(port) > 0 && Number(port) < 65536)) {
    throw new ConfigError(
      ErrorCodes.LOCAL_SETTINGS_INVALID,
      `${file}: field "Host.LocalHttpPort" must be a port number (found ${JSON.stringify(port)}).`,
      { file, field: 'Host.LocalHttpPort' },
    );
  }
  return Object.freeze({
    file,
    values: stringMap(raw, 'Values', file),
    connectionStrings: stringMap(raw, 'ConnectionStrings', file),
    localHttpPort: port === undefined ? undefined : Number(port),
  });
}

function isRecordOr(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function stringMap(
  raw: Record<string, unknown>,
  field: string,
  file: string,
): Readonly<Record<string, string>> {
  const value = getCaseInsensitive(raw, field);
  if (value === undefined || value === null) return Object.freeze({});
  if (!isRecord(value)) {
    throw new ConfigError(ErrorCodes.LOCAL_SETTINGS_INVALID, `${file}: field "${field}" must be an object.`, {
      file,
      field,
    });
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else {
      throw new ConfigError(
        ErrorCodes.LOCAL_SETTINGS_INVALID,
        `${file}: field "${field}.${key}" must be a string (found ${v === null ? 'null' : typeof v}).`,
        { file, field: `${field}.${key}` },
      );
    }
  }
  return Object.freeze(out);
}
