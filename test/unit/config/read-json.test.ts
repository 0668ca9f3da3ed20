import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadHostJson } from '../../../src/config/host-json';
import { loadLocalSettings } from '../../../src/config/local-settings';
import { lineAndColumn, parseJsonText } from '../../../src/config/read-json';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { loadFunctionJsonApp } from '../../../src/registration/function-json';

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'rf-json-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  return root;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no error was thrown');
}

const commented = `{
  // the schema version, not the runtime's
  "version": "2.0",
  /* a block
     comment */
  "functionTimeout": "00:00:05",
  "logging": { "logLevel": { "default": "Warning", }, },
}
`;

describe('Functions configuration files as the host reads them', () => {
  it('accepts // and /* */ comments and trailing commas in host.json', () => {
    const host = loadHostJson(dir({ 'host.json': commented }));
    expect(host.functionTimeoutMs).toBe(5000);
    expect(host.logLevels.default).toBe('warn');
  });

  it('accepts comments in local.settings.json', () => {
    const settings = loadLocalSettings(
      dir({
        'local.settings.json': '{ // local only\n "IsEncrypted": false, "Values": { "A": "1", }, }',
      }),
    );
    expect(settings.values).toEqual({ A: '1' });
  });

  it('names the file, line and column of a syntax error', () => {
    const root = dir({ 'host.json': '{\n  "version": "2.0"\n  "functionTimeout": "00:00:05"\n}' });
    const error = errorOf(() => loadHostJson(root));
    expect(error.code).toBe(ErrorCodes.HOST_JSON_INVALID);
    expect(error.message).toBe(
      `${path.join(root, 'host.json')} is not valid JSON: a comma is expected at line 3, column 3.`,
    );
    expect(error.message).not.toMatch(/position/);
  });

  it('reports an unclosed block comment and a single-quoted name where they are', () => {
    expect(errorOf(() => parseJsonText('{\n /* open', 'f.json', ErrorCodes.HOST_JSON_INVALID)).message).toBe(
      'f.json is not valid JSON: a /* comment is not closed at line 2, column 2.',
    );
    expect(errorOf(() => parseJsonText("{ 'a': 1 }", 'f.json', ErrorCodes.HOST_JSON_INVALID)).message).toBe(
      'f.json is not valid JSON: unexpected character at line 1, column 3.',
    );
  });

  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn('ab\r\ncd', 4)).toEqual({ line: 2, column: 1 });
  });

  it('accepts comments in function.json and gives line and column otherwise', () => {
    const root = dir({ 'host.json': '{"version":"2.0"}' });
    const fnDir = path.join(root, 'F');
    mkdirSync(fnDir);
    writeFileSync(path.join(fnDir, 'index.js'), 'module.exports = async () => undefined;');
    writeFileSync(
      path.join(fnDir, 'function.json'),
      `{
  // a Redis trigger
  "bindings": [
    { "type": "redisPubSubTrigger", "name": "m", "direction": "in", "connection": "R", "channel": "c", },
  ],
}`,
    );
    const [fn] = loadFunctionJsonApp(root);
    expect(fn?.trigger['channel']).toBe('c');
    writeFileSync(path.join(fnDir, 'function.json'), '{\n  "bindings": [\n    {\n  ]\n}');
    expect(errorOf(() => loadFunctionJsonApp(root)).message).toMatch(
      /F[/\\]function\.json is not valid JSON: .* at line 4, column 3\./,
    );
  });
});
