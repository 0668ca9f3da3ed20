import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfiguration } from '../config/load';
import { errorMessage, formatUserError, isUserError } from '../errors';
import {
  MASTER_KEY_SETTING,
  startAdminServer,
  type AdminServer,
  type AdminServerOptions,
} from '../host/admin-server';
import { createRedisHost } from '../host/create-host';
import type { FunctionHost } from '../host/function-host';
import { createLogger, scrubSecrets, type Logger } from '../logging';
import { USAGE, parseArgs, type StartArgs } from './args';
import { runPack } from './pack-command';

const DEFAULT_PORT = 7071;

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
  await start(args);
  return undefined;
}

async function start(args: StartArgs): Promise<void> {
  const json = args.json ?? !process.stdout.isTTY;
  const config = await loadConfiguration({ scriptRoot: args.scriptRoot, functions: args.functions });
  const logger = createLogger({ json, level: args.verbose ? 'debug' : config.host.logLevels.default });
  printFunctions(config.functions);
  const host = createRedisHost({ config, logger, minimumLevel: args.verbose ? 'debug' : undefined });
  const running: { admin?: AdminServer; stopRequested?: boolean } = {};
  handleSignals(logger, async () => {
    running.stopRequested = true;
    await running.admin?.close();
    await host.close();
  });
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: errorMessage(reason) }, 'Unhandled rejection'),
  );
  try {
    await host.start();
  } catch (error) {
    if (running.stopRequested) return; // stopped while still connecting
    throw error;
  }
  if (host.state !== 'running') return;
  running.admin = await startAdmin(host, logger, {
    port: args.port ?? config.localSettings.localHttpPort ?? DEFAULT_PORT,
    bind: args.bind,
    masterKey: config.settings.get(MASTER_KEY_SETTING),
    version: version(),
  });
  logger.info('Host is running. Press Ctrl+C to stop.');
}

async function startAdmin(
  host: FunctionHost,
  logger: Logger,
  options: AdminServerOptions,
): Promise<AdminServer | undefined> {
  try {
    return await startAdminServer(host, options, logger);
  } catch (error) {
    if (isUserError(error)) throw error;
    logger.warn(
      { err: errorMessage(error) },
      `Admin API could not listen on port ${options.port}; running without it (use --port)`,
    );
    return undefined;
  }
}

function printFunctions(
  functions: readonly { name: string; triggerType: string; disabled: boolean }[],
): void {
  const lines = ['', 'Functions:', ''];
  for (const fn of functions)
    lines.push(fn.disabled ? `\tFunction ${fn.name} is disabled.` : `\t${fn.name}: ${fn.triggerType}`);
  lines.push('');
  console.log(lines.join('\n'));
}

function handleSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(
      `${signal} received: stopping (finishing invocations in flight; press Ctrl+C again to force)`,
    );
    shutdown().then(
      () => {
        logger.info('Host stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: errorMessage(error) }, 'Error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
