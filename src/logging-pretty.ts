import pino, { type DestinationStream } from 'pino';

export interface PrettyOptions {
  /** Every field of a line, after the message (`--verbose`); otherwise only those that help (error, instance). */
  readonly verbose?: boolean;
  /** ANSI colours by level (warnings yellow, errors red, debug grey). */
  readonly colorize?: boolean;
  /** Where lines go; stdout by default. */
  readonly destination?: DestinationStream;
}

const LEVEL_LABELS: Readonly<Record<string, string>> = {
  warn: 'Warning: ',
  error: 'Error: ',
  fatal: 'Error: ',
};
const COLOURS: Readonly<Record<string, string>> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[31m',
};
const RESET = '\x1b[0m';
/** Fields every line has, or that the message already says. */
const OWN_FIELDS = new Set(['level', 'time', 'msg']);

/**
 * One line per event, as `func start` prints them: `[2026-12-01T10:00:00.000Z] Executing 'Functions.x'
 * (Reason='...', Id=...)`. Warnings and errors say so; an error's message follows its line; with
 * `verbose`, every field follows as `name=value`.
 */
export function formatPrettyLine(json: string, options: PrettyOptions = {}): string {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = typeof line['level'] === 'string' ? line['level'] : 'info';
  const time = typeof line['time'] === 'number' ? new Date(line['time']).toISOString() : '';
  const instance = line['instance'] === undefined ? '' : `[instance ${fieldText(line['instance'])}] `;
  const msg =
    typeof line['msg'] === 'string' ? line['msg'] : line['msg'] === undefined ? '' : fieldText(line['msg']);
  let text = `[${time}] ${instance}${LEVEL_LABELS[level] ?? ''}${msg}`;
  const error = errorText(line['err']);
  if (error && !msg.includes(error)) text += ` (${error})`;
  if (options.verbose) {
    const fields = Object.entries(line).filter(
      ([name]) => !OWN_FIELDS.has(name) && name !== 'err' && name !== 'instance',
    );
    for (const [name, value] of fields) text += ` ${name}=${fieldText(value)}`;
  }
  const colour = options.colorize ? COLOURS[level] : undefined;
  return colour ? `${colour}${text}${RESET}` : text;
}

/** A destination that turns pino's JSON lines into pretty ones, written synchronously. */
export function prettyDestination(options: PrettyOptions = {}): DestinationStream & {
  flush(cb?: (err?: Error) => void): void;
} {
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  return {
    write(json: string): void {
      for (const one of json.split('\n')) if (one !== '') out.write(`${formatPrettyLine(one, options)}\n`);
    },
    flush(cb?: (err?: Error) => void): void {
      const flushable = out as { flush?: (cb?: (err?: Error) => void) => void };
      if (typeof flushable.flush === 'function') flushable.flush(cb);
      else cb?.();
    },
  };
}

function errorText(err: unknown): string {
  if (err === undefined || err === null) return '';
  if (typeof err === 'string') return err;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(err);
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:@/*{}$-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
