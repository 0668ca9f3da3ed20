import { parseArgs } from '../../../src/cli/args';
import { ErrorCodes } from '../../../src/errors';

describe('redis-func pack arguments', () => {
  it('defaults: current directory, default output folder, not strict', () => {
    expect(parseArgs(['pack'])).toEqual({
      command: 'pack',
      scriptRoot: '.',
      outDir: undefined,
      strict: false,
    });
  });

  it('--script-root, --out (also with =) and --strict', () => {
    expect(parseArgs(['pack', '--script-root', 'app', '--out=build/deploy', '--strict'])).toEqual({
      command: 'pack',
      scriptRoot: 'app',
      outDir: 'build/deploy',
      strict: true,
    });
  });

  it('unknown options and missing values are usage errors', () => {
    expect(() => parseArgs(['pack', '--port', '1'])).toThrow(
      expect.objectContaining({ code: ErrorCodes.CLI_USAGE }),
    );
    expect(() => parseArgs(['pack', '--out'])).toThrow(/--out needs a value/);
  });
});
