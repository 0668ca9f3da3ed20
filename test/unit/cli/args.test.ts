import { parseArgs } from '../../../src/cli/args';
import { ErrorCodes } from '../../../src/errors';

describe('redis-func arguments', () => {
  it('parses start with every option; --functions takes several names', () => {
    expect(
      parseArgs([
        'start',
        '--script-root',
        'app',
        '--functions',
        'a',
        'b',
        '--port',
        '7072',
        '--verbose',
        '--json',
      ]),
    ).toEqual({
      command: 'start',
      scriptRoot: 'app',
      functions: ['a', 'b'],
      port: 7072,
      bind: undefined,
      instances: undefined,
      autoscale: undefined,
      verbose: true,
      json: true,
      watch: true,
    });
    expect(parseArgs(['start', '--port=0', '--pretty'])).toMatchObject({
      port: 0,
      json: false,
      scriptRoot: '.',
    });
    expect(parseArgs(['start', '--no-watch'])).toMatchObject({ watch: false });
  });

  it('answers help and version', () => {
    expect(parseArgs([])).toEqual({ command: 'help' });
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
  });

  it.each([
    [['launch'], "unknown command 'launch'"],
    [['start', '--bogus'], "unknown option '--bogus'"],
    [['start', '--port', 'x'], '--port must be a port number'],
    [['start', '--script-root'], '--script-root needs a value'],
    [['start', '--functions'], '--functions needs at least one'],
    [['start', '--instances', '0'], '--instances must be a whole number'],
    [['start', '--autoscale', '3..2'], '--autoscale must be MIN..MAX'],
    [['start', '--autoscale', 'lots'], '--autoscale must be MIN..MAX'],
    [['start', '--instances', '2', '--autoscale', '1..2'], 'not both'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(
      expect.objectContaining({ code: ErrorCodes.CLI_USAGE, message: expect.stringContaining(message) }),
    );
  });
});
