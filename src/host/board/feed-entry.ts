import { errorMessage } from '../../errors';
import type { InvocationRecord } from '../../invoke/invoker';

/** Longest input text sent to the page (the page shows less, and all of this when expanded). */
export const INPUT_LIMIT = 4000;
const LOG_LINES_LIMIT = 20;
const LOG_LINE_LIMIT = 500;
const ERROR_LIMIT = 2000;

/** One invocation in the live feed, as the page receives it. */
export interface FeedEntry {
  readonly id: string;
  readonly function: string;
  readonly reason: string;
  readonly status: 'succeeded' | 'failed';
  readonly durationMs: number;
  readonly attempt: number;
  /** When the attempt ended (ms since the epoch). */
  readonly at: number;
  /** The input as text, cut at INPUT_LIMIT characters. */
  readonly input: string;
  /** The input text's full length (more than `input.length` when cut). */
  readonly inputLength: number;
  readonly error?: string;
  readonly logs: readonly { readonly level: string; readonly message: string }[];
  /** Log lines left out (past LOG_LINES_LIMIT). */
  readonly moreLogs: number;
}

/** The feed's entry for a record: text only, each part cut to a size the page can show. */
export function feedEntry(record: InvocationRecord, reason: string, at: number): FeedEntry {
  const input = inputText(record.input);
  const logs = record.logs.slice(0, LOG_LINES_LIMIT).map(({ level, message }) => ({
    level,
    message: cut(message, LOG_LINE_LIMIT),
  }));
  return {
    id: record.invocationId,
    function: record.functionName,
    reason,
    status: record.status,
    durationMs: Math.round(record.durationMs * 1000) / 1000,
    attempt: record.attempt,
    at,
    input: cut(input, INPUT_LIMIT),
    inputLength: input.length,
    ...(record.status === 'failed' ? { error: cut(errorText(record.error), ERROR_LIMIT) } : {}),
    logs,
    moreLogs: Math.max(0, record.logs.length - LOG_LINES_LIMIT),
  };
}

function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Buffer.isBuffer(input)) return input.toString('utf8');
  try {
    return (
      JSON.stringify(input, (_key, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      ) ?? String(input)
    );
  } catch {
    return String(input);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return errorMessage(error);
}

function cut(text: string, limit: number): string {
  return text.length > limit ? text.slice(0, limit) : text;
}
