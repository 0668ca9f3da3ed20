import { readFileSync } from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
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
  const parsed = parseJsonText(text, file, invalidCode);
  if (!isRecord(parsed)) {
    throw new ConfigError(invalidCode, `${file} must contain a JSON object.`, { file });
  }
  return parsed;
}

/**
 * Parses the text of a Functions configuration file (host.json, function.json, local.settings.json) as
 * the Functions host's JSON reader does: `//` and `/* *\/` comments and trailing commas are accepted.
 * A syntax error names the file, line and column (1-based) and what was expected.
 */
export function parseJsonText(text: string, file: string, invalidCode: ErrorCode): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const errors: ParseError[] = [];
  const parsed: unknown = parse(body, errors, { allowTrailingComma: true, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumn(body, first.offset);
    throw new ConfigError(
      invalidCode,
      `${file} is not valid JSON: ${describeParseError(printParseErrorCode(first.error))} at line ${line}, ` +
        `column ${column}.`,
      { file },
    );
  }
  return parsed;
}

/** 1-based line and column of a character offset (columns count UTF-16 code units, as editors do). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const PARSE_ERRORS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a colon is expected',
  CommaExpected: 'a comma is expected',
  CloseBraceExpected: 'a closing brace } is expected',
  CloseBracketExpected: 'a closing bracket ] is expected',
  EndOfFileExpected: 'nothing may follow the closing brace',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'a /* comment is not closed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut off',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'a control character inside a string',
};

function describeParseError(code: string): string {
  return PARSE_ERRORS[code] ?? code;
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
