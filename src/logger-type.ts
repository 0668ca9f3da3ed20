/**
 * The logger the host and its parts write to. A pino logger is one; the type is declared here rather than
 * taken from pino so that redis-func's public type declarations compile in any app, whatever its tsconfig
 * (pino's own declarations need `esModuleInterop`, which `func init` apps do not set).
 */

/** One level's method: `logger.info({ fields }, 'message')` or `logger.info('message')`. */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  /** Lowest level written (`trace`, `debug`, `info`, `warn`, `error`, `fatal`, `silent`). */
  level: string;
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  /** A logger adding `bindings` to every line, optionally at its own level and redaction. */
  child(bindings: Record<string, unknown>, options?: ChildOptions): Logger;
  isLevelEnabled(level: string): boolean;
  /** Writes out buffered lines (asynchronous destinations). */
  flush(callback?: (error?: Error) => void): void;
}

export interface ChildOptions {
  readonly level?: string;
  /** Field paths whose values are replaced in this logger's lines (`{ paths: [] }`: none). */
  readonly redact?: { readonly paths: string[] };
}

/** Where log lines go (a pino destination is one). */
export interface LogDestination {
  write(line: string): unknown;
}
