import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatUserError, isUserError } from '../errors';
import { scrubSecrets } from '../logging';
import { USAGE, parseArgs } from './args';
import { runPack } from './pack-command';
import { runStart } from './start-command';

export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The `redis-func` command. Exits the process when done. */
export function main(argv: readonly string[]): void {
  run(argv).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (error: unknown) => {
      printError(error);
      process.exit(1);
    },
  );
}

async function run(argv: readonly string[]): Promise<number | undefined> {
  const args = parseArgs(argv);
  if (args.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (args.command === 'version') {
    console.log(version());
    return 0;
  }
  if (args.command === 'pack') return runPack(args);
  await runStart(args, version());
  return undefined;
}

function printError(error: unknown): void {
  if (isUserError(error)) console.error(scrubSecrets(formatUserError(error)));
  else
    console.error(
      scrubSecrets(
        `redis-func: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    );
}
