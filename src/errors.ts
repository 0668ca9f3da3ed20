/**
 * Every error redis-func raises has a stable `code` and one message template, listed here.
 * User errors (bad configuration, bad input) are printed as one paragraph without a stack trace;
 * system errors keep their cause.
 */

export const ErrorCodes = {
  HOST_JSON_MISSING: 'RF_HOST_JSON_MISSING',
  HOST_JSON_INVALID: 'RF_HOST_JSON_INVALID',
  LOCAL_SETTINGS_INVALID: 'RF_LOCAL_SETTINGS_INVALID',
  LOCAL_SETTINGS_ENCRYPTED: 'RF_LOCAL_SETTINGS_ENCRYPTED',
  PACKAGE_JSON_INVALID: 'RF_PACKAGE_JSON_INVALID',
  ENTRY_FILE_FAILED: 'RF_ENTRY_FILE_FAILED',
  NO_FUNCTIONS: 'RF_NO_FUNCTIONS',
  FUNCTION_NAME_INVALID: 'RF_FUNCTION_NAME_INVALID',
  FUNCTION_NAME_DUPLICATE: 'RF_FUNCTION_NAME_DUPLICATE',
  FUNCTION_UNKNOWN: 'RF_FUNCTION_UNKNOWN',
  TRIGGER_TYPE_UNKNOWN: 'RF_TRIGGER_TYPE_UNKNOWN',
  BINDING_INVALID: 'RF_BINDING_INVALID',
  SETTING_MISSING: 'RF_SETTING_MISSING',
  CONNECTION_STRING_INVALID: 'RF_CONNECTION_STRING_INVALID',
  CONNECTION_NOT_FOUND: 'RF_CONNECTION_NOT_FOUND',
  CONNECTION_AMBIGUOUS: 'RF_CONNECTION_AMBIGUOUS',
  /** No longer raised: identity-based connections are supported (kept for code that matches on it). */
  CONNECTION_IDENTITY_UNSUPPORTED: 'RF_CONNECTION_IDENTITY_UNSUPPORTED',
  CONNECTION_IDENTITY_INVALID: 'RF_CONNECTION_IDENTITY_INVALID',
  ENTRA_CREDENTIAL_UNAVAILABLE: 'RF_ENTRA_CREDENTIAL_UNAVAILABLE',
  ENTRA_TOKEN_REFUSED: 'RF_ENTRA_TOKEN_REFUSED',
  ENTRA_REDIS_REFUSED: 'RF_ENTRA_REDIS_REFUSED',
  REDIS_AUTH_FAILED: 'RF_REDIS_AUTH_FAILED',
  REDIS_UNREACHABLE: 'RF_REDIS_UNREACHABLE',
  REDIS_TLS_FAILED: 'RF_REDIS_TLS_FAILED',
  REDIS_SERVER_NOT_FOUND: 'RF_REDIS_SERVER_NOT_FOUND',
  DECORATOR_MISUSE: 'RF_DECORATOR_MISUSE',
  CLI_USAGE: 'RF_CLI_USAGE',
  ADMIN_PORT_IN_USE: 'RF_ADMIN_PORT_IN_USE',
  ADMIN_LISTEN_FAILED: 'RF_ADMIN_LISTEN_FAILED',
  FUNCTION_TIMEOUT: 'RF_FUNCTION_TIMEOUT',
  HOST_STATE: 'RF_HOST_STATE',
  PACK_REFUSED: 'RF_PACK_REFUSED',
  PACK_OUT_DIR: 'RF_PACK_OUT_DIR',
  TELEMETRY_PACKAGE_MISSING: 'RF_TELEMETRY_PACKAGE_MISSING',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class RedisFuncError extends Error {
  readonly code: ErrorCode;
  /** User errors are the user's to fix (configuration, input); they print without a stack trace. */
  readonly isUserError: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; isUserError?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isUserError = options?.isUserError ?? false;
  }
}

/** Bad configuration: names the file (or source) and the field that is wrong. */
export class ConfigError extends RedisFuncError {
  readonly file: string | undefined;
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    where: { file?: string; field?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: where.cause, isUserError: true });
    this.file = where.file;
    this.field = where.field;
  }
}

/** A problem reaching or talking to Redis that the user must fix (wrong password, no redis-server). */
export class ConnectionError extends RedisFuncError {
  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause, isUserError: true });
  }
}

/**
 * Throw this from a handler to fail the invocation without retries: a poison message goes straight to
 * where failures go (dead letter where the trigger has one).
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** An invocation that ran longer than functionTimeout. */
export class FunctionTimeoutError extends RedisFuncError {
  constructor(functionName: string, timeoutMs: number) {
    super(ErrorCodes.FUNCTION_TIMEOUT, `Function '${functionName}' timed out after ${timeoutMs}ms.`);
  }
}

export function isUserError(error: unknown): error is RedisFuncError {
  return error instanceof RedisFuncError && error.isUserError;
}

/** One paragraph for the terminal: the code and the message, never a stack trace. */
export function formatUserError(error: RedisFuncError): string {
  return `redis-func: error ${error.code}: ${error.message}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
