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
  const input = inputText(record.input, INPUT_LIMIT);
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
    input: input.text,
    inputLength: input.length,
    ...(record.status === 'failed' ? { error: cut(errorText(record.error), ERROR_LIMIT) } : {}),
    logs,
    moreLogs: Math.max(0, record.logs.length - LOG_LINES_LIMIT),
  };
}

/**
 * The input as text, cut at `limit` characters, and the whole text's length. A string is cut as it is and
 * a Buffer decoded a chunk at a time (its length counted chunk by chunk), so neither is copied whole; any
 * other value is JSON, made whole (its length is that of all of it).
 */
function inputText(input: unknown, limit: number): { text: string; length: number } {
  if (typeof input === 'string') return { text: cut(input, limit), length: input.length };
  if (Buffer.isBuffer(input)) return utf8Prefix(input, limit);
  const text = jsonText(input);
  return { text: cut(text, limit), length: text.length };
}

function jsonText(input: unknown): string {
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

const UTF8_CHUNK_BYTES = 64 * 1024;

/**
 * `buffer.toString('utf8')` cut at `limit` characters, and that text's length, decoding `chunkBytes` at a
 * time: the same text and length as decoding it whole (invalid bytes make the same U+FFFD characters).
 */
export function utf8Prefix(
  buffer: Buffer,
  limit: number,
  chunkBytes = UTF8_CHUNK_BYTES,
): { text: string; length: number } {
  let text = '';
  let length = 0;
  for (let start = 0; start < buffer.length;) {
    const end = chunkEnd(buffer, start + chunkBytes);
    const part = buffer.toString('utf8', start, end);
    if (text.length < limit) text += cut(part, limit - text.length);
    length += part.length;
    start = end;
  }
  return { text, length };
}

/**
 * Where a chunk ending at `end` or a little after may end so that it decodes alone as it does within the
 * whole: at the first byte from `end` that continues no character (not 10xxxxxx), which ends whatever
 * came before it; or after three continuation bytes, which end any character (one is at most four bytes).
 */
function chunkEnd(buffer: Buffer, end: number): number {
  let at = Math.min(end, buffer.length);
  while (at < buffer.length && at < end + 3 && ((buffer[at] ?? 0) & 0xc0) === 0x80) at++;
  return at;
}

function errorText(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return errorMessage(error);
}

function cut(text: string, limit: number): string {
  return text.length > limit ? text.slice(0, limit) : text;
}
