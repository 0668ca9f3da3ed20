import { ConfigError, ErrorCodes } from '../errors';

export interface PackArgs {
  readonly command: 'pack';
  readonly scriptRoot: string;
  /** Undefined: `<script root>/.redis-func/deploy`. */
  readonly outDir: string | undefined;
  readonly strict: boolean;
}

export const PACK_USAGE = `Options for pack:
  --script-root DIR      The function app's folder (default: current directory)
  --out DIR              Where to write the deployable app (default: <script root>/.redis-func/deploy;
                         a relative DIR is taken from the current directory)
  --strict               Refuse when an option would behave differently in Azure`;

/** Parses the options after `pack`. */
export function parsePackArgs(rest: readonly string[]): PackArgs | { readonly command: 'help' } {
  let scriptRoot = '.';
  let outDir: string | undefined;
  let strict = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const v = eq === -1 ? rest[++i] : arg.slice(eq + 1);
      if (v === undefined || v === '' || (eq === -1 && v.startsWith('--')))
        throw usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--script-root') scriptRoot = value();
    else if (flag === '--out') outDir = value();
    else if (flag === '--strict') strict = true;
    else if (flag === '-h' || flag === '--help') return { command: 'help' };
    else throw usage(`unknown option '${arg}' for pack`);
  }
  return { command: 'pack', scriptRoot, outDir, strict };
}

function usage(problem: string): ConfigError {
  return new ConfigError(ErrorCodes.CLI_USAGE, `${problem}. Run 'redis-func --help' for usage.`);
}
