import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_FUNCTION_TIMEOUT_MS, loadHostJson, parseHostJson } from '../../../src/config/host-json';
import { ConfigError, ErrorCodes } from '../../../src/errors';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ConfigError ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('host.json', () => {
  it('reads log levels, functionTimeout and extensions.redis', () => {
    const config = parseHostJson({
      version: '2.0',
      logging: { logLevel: { default: 'Warning', Function: 'Information', 'Function.onOrder': 'Debug' } },
      functionTimeout: '00:00:05',
      extensions: { redis: { lists: { mode: 'blocking' }, shutdownGracePeriod: '00:00:02' } },
    });
    expect(config.logLevels).toEqual({
      default: 'warn',
      function: 'info',
      perFunction: { onorder: 'debug' },
    });
    expect(config.functionTimeoutMs).toBe(5000);
    expect(config.shutdownGracePeriodMs).toBe(2000);
    expect(config.redisExtension).toEqual({ lists: { mode: 'blocking' }, shutdownGracePeriod: '00:00:02' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults functionTimeout to 30 minutes and treats -1 as unbounded', () => {
    expect(parseHostJson({ version: '2.0' }).functionTimeoutMs).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(parseHostJson({ version: '2.0', functionTimeout: '-1' }).functionTimeoutMs).toBeUndefined();
  });

  it.each([
    [{}, 'version'],
    [{ version: '1.0' }, 'version'],
    [{ version: '2.0', functionTimeout: 'soon' }, 'functionTimeout'],
    [{ version: '2.0', functionTimeout: '00:99:00' }, 'functionTimeout'],
    [{ version: '2.0', logging: { logLevel: { default: 'Loud' } } }, 'logging.logLevel.default'],
    [{ version: '2.0', extensions: { redis: 5 } }, 'extensions.redis'],
  ])('refuses %j naming the field %s', (raw, field) => {
    try {
      parseHostJson(raw, '/app/host.json');
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe(ErrorCodes.HOST_JSON_INVALID);
      expect((error as ConfigError).field).toBe(field);
      expect((error as Error).message).toContain('/app/host.json');
    }
  });

  it('reads fileWatchingEnabled (default true), watchDirectories and watchFiles, refusing other shapes', () => {
    expect(parseHostJson({ version: '2.0' }).fileWatching).toEqual({
      enabled: true,
      directories: [],
      files: [],
    });
    expect(
      parseHostJson({
        version: '2.0',
        fileWatchingEnabled: false,
        watchDirectories: ['shared'],
        watchFiles: ['config/rules.json'],
      }).fileWatching,
    ).toEqual({ enabled: false, directories: ['shared'], files: ['config/rules.json'] });
    expect(() => parseHostJson({ version: '2.0', fileWatchingEnabled: 'no' })).toThrow(
      'field "fileWatchingEnabled" must be true or false (found "no")',
    );
    expect(() => parseHostJson({ version: '2.0', watchDirectories: 'shared' })).toThrow(
      'field "watchDirectories" must be a list of paths',
    );
    expect(() => parseHostJson({ version: '2.0', watchFiles: [3] })).toThrow(
      'field "watchFiles" must be a list',
    );
  });

  it('names a missing file and a file that is not JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rf-host-'));
    expect(codeOf(() => loadHostJson(dir))).toBe(ErrorCodes.HOST_JSON_MISSING);
    writeFileSync(path.join(dir, 'host.json'), '{ "version": ');
    expect(codeOf(() => loadHostJson(dir))).toBe(ErrorCodes.HOST_JSON_INVALID);
  });
});
