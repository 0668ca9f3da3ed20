import pino from 'pino';
import { prettyDestination } from './logging-pretty';

import type { LogDestination, Logger } from './logger-type';

export type { LogDestination, LogFn, Logger } from './logger-type';

export interface LoggerOptions {
  /** JSON lines (true) or human-readable output (false). */
  readonly json: boolean;
  /** Lowest level written; per-function levels are applied on child loggers. */
  readonly level?: string;
  /** Where lines go; stdout by default. */
  readonly destination?: LogDestination;
  /** Human-readable output: every field of a line (`--verbose`), not only those that help. */
  readonly verbose?: boolean;
}

/**
 * Field paths whose values never reach a log line: credentials. Redis key names are not secrets and
 * are shown (`key`, `list`, `stream`).
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'connectionString',
  '*.connectionString',
  'token',
  '*.token',
  'masterKey',
  '*.masterKey',
  'clientSecret',
  '*.clientSecret',
];

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level ?? 'info',
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Asynchronous writes keep logging off the hot path; flushLogs() before exiting. sonic-boom measures
  // the chunk it appends to at every line (Buffer.byteLength), so a 4 KB chunk instead of 16 KB makes a
  // line a third cheaper with an invocation logged twice.
  if (options.json) return pino(base, options.destination ?? jsonDestination(1));
  const stream = prettyDestination({
    verbose: options.verbose,
    colorize: options.destination === undefined && process.stdout.isTTY === true,
    destination: options.destination,
  });
  return pino(base, stream);
}

/** Where JSON lines go: asynchronous writes to `dest` (a path or a file descriptor), 4 KB at a time. */
export function jsonDestination(dest: string | number): LogDestination {
  return pino.destination({ dest, sync: false, maxWrite: 4096 });
}

/** A logger that writes nothing (the in-memory test host records logs itself). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Removes credentials from free text: `password=...` pairs and `user:pass@` in URLs. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(password|pwd)=([^,\s]*)/gi, '$1=[redacted]')
    .replace(/(rediss?:\/\/)([^@/\s]*)@/gi, '$1[redacted]@');
}

/** Writes out what an asynchronous destination still holds (call before process.exit). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
