import path from 'node:path';
import { ConfigError, ErrorCodes } from '../errors';
import { parseRetryPolicy, type RetryPolicy } from '../invoke/retry-policy';
import { parseDurationMs } from './duration';
import { type PinoLevel, toPinoLevel } from './log-levels';
import { getCaseInsensitive, isRecord, readJsonObject } from './read-json';

export interface LogLevels {
  /** `logging.logLevel.default` (Information when absent). */
  readonly default: PinoLevel;
  /** `logging.logLevel.Function`: all function logs. */
  readonly function: PinoLevel | undefined;
  /** `logging.logLevel["Function.<name>"]`, keyed by lower-case function name. */
  readonly perFunction: Readonly<Record<string, PinoLevel>>;
}

export interface HostConfig {
  readonly file: string;
  readonly logLevels: LogLevels;
  /** `functionTimeout`; undefined means unbounded (`-1`). Default 30 minutes. */
  readonly functionTimeoutMs: number | undefined;
  /** How long shutdown waits for invocations in flight (`extensions.redis.shutdownGracePeriod`, default 10 s). */
  readonly shutdownGracePeriodMs: number;
  /**
   * `extensions.redis.triggerValueFormat` as written: `messageModel` (`{ Trigger, Message }`) or `v1` (the
   * 1.x extension's shapes); undefined when absent, so each function gets its programming model's
   * default (see valueFormatOf).
   */
  readonly triggerValueFormat: TriggerValueFormat | undefined;
  /** Top-level `retry`: the policy of every function that has none of its own. */
  readonly retry: RetryPolicy | undefined;
  /** `extensions.redis` as written, for the trigger option parsers (keys as in the file). */
  readonly redisExtension: Readonly<Record<string, unknown>>;
  /** `fileWatchingEnabled` (default true), `watchDirectories`, `watchFiles`: what `redis-func start` follows. */
  readonly fileWatching: FileWatching;
  /** The whole file, as parsed. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface FileWatching {
  readonly enabled: boolean;
  /** Folders (relative to the script root) whose changes restart the functions, with their subfolders. */
  readonly directories: readonly string[];
  /** Files (relative to the script root) whose changes restart the functions. */
  readonly files: readonly string[];
}

export type TriggerValueFormat = 'messageModel' | 'v1';

/**
 * The value shape (and, with it, the option defaults) a function gets: host.json's
 * `triggerValueFormat` when set; otherwise `v1` for function.json (v3 model) functions, which were
 * written for the 1.x extension, and `messageModel` for `app.generic` and decorated functions.
 */
export function valueFormatOf(
  host: HostConfig,
  programmingModel: 'v3' | 'v4' | undefined,
): TriggerValueFormat {
  return host.triggerValueFormat ?? (programmingModel === 'v3' ? 'v1' : 'messageModel');
}

export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60 * 1000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export function loadHostJson(scriptRoot: string): HostConfig {
  const file = path.join(scriptRoot, 'host.json');
  const raw = readJsonObject(file, ErrorCodes.HOST_JSON_INVALID);
  if (!raw) {
    throw new ConfigError(
      ErrorCodes.HOST_JSON_MISSING,
      `No host.json in ${scriptRoot}. A function app needs a host.json with at least {"version": "2.0"}; ` +
        `pass --script-root to point at the app's folder.`,
      { file },
    );
  }
  return parseHostJson(raw, file);
}

export function parseHostJson(raw: Record<string, unknown>, file = 'host.json'): HostConfig {
  const version = getCaseInsensitive(raw, 'version');
  if (version !== '2.0') {
    throw new ConfigError(
      ErrorCodes.HOST_JSON_INVALID,
      `${file}: field "version" must be "2.0" (found ${JSON.stringify(version) ?? 'nothing'}).`,
      { file, field: 'version' },
    );
  }
  const extensions = getCaseInsensitive(raw, 'extensions');
  const redis = isRecord(extensions) ? getCaseInsensitive(extensions, 'redis') : undefined;
  if (redis !== undefined && !isRecord(redis)) {
    throw invalid(file, 'extensions.redis', 'must be an object');
  }
  return Object.freeze({
    file,
    logLevels: parseLogLevels(raw, file),
    functionTimeoutMs: parseFunctionTimeout(getCaseInsensitive(raw, 'functionTimeout'), file),
    shutdownGracePeriodMs: parseGrace(redis, file),
    triggerValueFormat: parseValueFormat(redis, file),
    retry: parseRetryPolicy(getCaseInsensitive(raw, 'retry'), {
      file,
      field: 'retry',
      code: ErrorCodes.HOST_JSON_INVALID,
    }),
    redisExtension: Object.freeze({ ...(redis ?? {}) }),
    fileWatching: parseFileWatching(raw, file),
    raw: Object.freeze({ ...raw }),
  });
}

function invalid(file: string, field: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.HOST_JSON_INVALID, `${file}: field "${field}" ${problem}.`, {
    file,
    field,
  });
}

function parseLogLevels(raw: Record<string, unknown>, file: string): LogLevels {
  const logging = getCaseInsensitive(raw, 'logging');
  const levels = isRecord(logging) ? getCaseInsensitive(logging, 'logLevel') : undefined;
  if (levels === undefined) return { default: 'info', function: undefined, perFunction: {} };
  if (!isRecord(levels)) throw invalid(file, 'logging.logLevel', 'must be an object');
  let defaultLevel: PinoLevel = 'info';
  let functionLevel: PinoLevel | undefined;
  const perFunction: Record<string, PinoLevel> = {};
  for (const [category, value] of Object.entries(levels)) {
    const level = toPinoLevel(value);
    if (!level) {
      throw invalid(
        file,
        `logging.logLevel.${category}`,
        `must be one of Trace, Debug, Information, Warning, Error, Critical, None (found ${JSON.stringify(value)})`,
      );
    }
    const lower = category.toLowerCase();
    if (lower === 'default') defaultLevel = level;
    else if (lower === 'function') functionLevel = level;
    else if (lower.startsWith('function.')) perFunction[lower.slice('function.'.length)] = level;
  }
  return { default: defaultLevel, function: functionLevel, perFunction: Object.freeze(perFunction) };
}

function parseFunctionTimeout(value: unknown, file: string): number | undefined {
  if (value === undefined || value === null) return DEFAULT_FUNCTION_TIMEOUT_MS;
  if (value === '-1' || value === -1) return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined || ms <= 0) {
    throw invalid(
      file,
      'functionTimeout',
      `must be a duration like "00:05:00" or "-1" (found ${JSON.stringify(value)})`,
    );
  }
  return ms;
}

function parseGrace(redis: unknown, file: string): number {
  const value = isRecord(redis) ? getCaseInsensitive(redis, 'shutdownGracePeriod') : undefined;
  if (value === undefined) return DEFAULT_SHUTDOWN_GRACE_MS;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw invalid(
      file,
      'extensions.redis.shutdownGracePeriod',
      `must be a duration like "00:00:10" or milliseconds`,
    );
  }
  return ms;
}

function parseValueFormat(redis: unknown, file: string): TriggerValueFormat | undefined {
  const value = isRecord(redis) ? getCaseInsensitive(redis, 'triggerValueFormat') : undefined;
  if (value === undefined) return undefined;
  const match = (['messageModel', 'v1'] as const).find(
    (f) => typeof value === 'string' && f.toLowerCase() === value.toLowerCase(),
  );
  if (!match) {
    throw invalid(
      file,
      'extensions.redis.triggerValueFormat',
      `must be "messageModel" or "v1" (found ${JSON.stringify(value)})`,
    );
  }
  return match;
}

function parseFileWatching(raw: Record<string, unknown>, file: string): FileWatching {
  const enabled = getCaseInsensitive(raw, 'fileWatchingEnabled');
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    throw invalid(file, 'fileWatchingEnabled', `must be true or false (found ${JSON.stringify(enabled)})`);
  }
  const list = (field: string): readonly string[] => {
    const value = getCaseInsensitive(raw, field);
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string' && v.trim() !== '')) {
      throw invalid(
        file,
        field,
        `must be a list of paths relative to the app's folder (found ${JSON.stringify(value)})`,
      );
    }
    return Object.freeze([...value]);
  };
  return Object.freeze({
    enabled: enabled ?? true,
    directories: list('watchDirectories'),
    files: list('watchFiles'),
  });
}
