import { ConfigError, ErrorCodes } from '../errors';
import { PACK_USAGE, parsePackArgs, type PackArgs } from './pack-args';

export interface StartArgs {
  readonly command: 'start';
  readonly scriptRoot: string;
  readonly functions: readonly string[];
  readonly port: number | undefined;
  /** Address of the admin API (default 127.0.0.1). */
  readonly bind: string | undefined;
  readonly verbose: boolean;
  readonly json: boolean | undefined;
  /** Independent listener sets in this process (`--instances N`). */
  readonly instances: number | undefined;
  /** `--autoscale MIN..MAX`: instances follow the scale metric within the range. */
  readonly autoscale: { readonly min: number; readonly max: number } | undefined;
  /** Restart the functions when the app's files change (`--no-watch` turns it off; so does host.json). */
  readonly watch: boolean;
}

export type CliArgs = StartArgs | PackArgs | { readonly command: 'help' } | { readonly command: 'version' };

export const USAGE = `Usage: redis-func <command> [options]

Commands:
  start     Run the function app in the script root (like 'func start')
  pack      Write the app in the function.json layout Azure's Redis extension supports

Options for start:
  --script-root DIR      The function app's folder (default: current directory)
  --functions NAME ...   Run only these functions
  --port N               Port of the local admin API (default: Host.LocalHttpPort or 7071)
  --bind ADDR            Address of the admin API (default 127.0.0.1; others need FUNCTIONS_MASTER_KEY)
  --instances N          Run N independent listener sets in this process (rehearse scale-out)
  --autoscale MIN..MAX   Add and remove instances from the backlog, as Azure's scale controller would
  --no-watch             Do not restart the functions when the app's files change
  --verbose              Debug-level logs, and every field of a pretty line
  --json                 JSON log lines (the default when output is not a terminal)
  --pretty               Human-readable log lines even when piped

${PACK_USAGE}

  -h, --help             Show this help
  -v, --version          Show the version`;

/** Parses argv (without node and script). `--functions` takes every value up to the next option. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help')
    return { command: 'help' };
  if (command === '-v' || command === '--version') return { command: 'version' };
  if (command === 'pack') return parsePackArgs(rest);
  if (command !== 'start') throw usage(`unknown command '${command}'`);
  let scriptRoot = '.';
  const functions: string[] = [];
  let port: number | undefined;
  let bind: string | undefined;
  let verbose = false;
  let json: boolean | undefined;
  let instances: number | undefined;
  let autoscale: StartArgs['autoscale'];
  let watch = true;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--')))
        throw usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--script-root':
        scriptRoot = value();
        break;
      case '--functions':
        if (inline !== undefined) functions.push(...inline.split(',').filter(Boolean));
        while (inline === undefined && i + 1 < rest.length && !(rest[i + 1] ?? '').startsWith('-'))
          functions.push(rest[++i] ?? '');
        if (functions.length === 0) throw usage('--functions needs at least one function name');
        break;
      case '--port': {
        const text = value();
        port = Number(text);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw usage(`--port must be a port number (found '${text}')`);
        break;
      }
      case '--bind':
        bind = value();
        break;
      case '--instances': {
        const text = value();
        instances = Number(text);
        if (!Number.isInteger(instances) || instances < 1 || instances > 64)
          throw usage(`--instances must be a whole number from 1 to 64 (found '${text}')`);
        break;
      }
      case '--autoscale':
        autoscale = parseRange(value());
        break;
      case '--no-watch':
        watch = false;
        break;
      case '--watch':
        watch = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--json':
        json = true;
        break;
      case '--pretty':
        json = false;
        break;
      case '-h':
      case '--help':
        return { command: 'help' };
      default:
        throw usage(`unknown option '${arg}'`);
    }
  }
  if (instances !== undefined && autoscale !== undefined)
    throw usage('use --instances or --autoscale, not both');
  return {
    command: 'start',
    scriptRoot,
    functions,
    port,
    bind,
    verbose,
    json,
    instances,
    autoscale,
    watch,
  };
}

function usage(problem: string): ConfigError {
  return new ConfigError(ErrorCodes.CLI_USAGE, `${problem}. Run 'redis-func --help' for usage.`);
}

function parseRange(text: string): { min: number; max: number } {
  const match = /^(\d+)\.\.(\d+)$/.exec(text);
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (!match || min < 1 || max < min || max > 64) {
    throw usage(`--autoscale must be MIN..MAX with 1 <= MIN <= MAX <= 64, e.g. 1..4 (found '${text}')`);
  }
  return { min, max };
}
