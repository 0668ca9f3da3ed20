/** Azure Functions log levels (host.json `logging.logLevel`) mapped to pino levels. */
export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const AZURE_TO_PINO: Record<string, PinoLevel> = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
  none: 'silent',
};

export function toPinoLevel(value: unknown): PinoLevel | undefined {
  return typeof value === 'string' ? AZURE_TO_PINO[value.toLowerCase()] : undefined;
}

/** Levels used by `context.log` & co in @azure/functions (`information`, `warning`, ...). */
export function contextLevelToPino(level: string): PinoLevel {
  return AZURE_TO_PINO[level.toLowerCase()] ?? 'info';
}
