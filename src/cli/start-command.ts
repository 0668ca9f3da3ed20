import { loadConfiguration, type AppConfiguration } from '../config/load';
import { errorMessage } from '../errors';
import { MASTER_KEY_SETTING, checkAdminPort, startAdminServer, type AdminServer } from '../host/admin-server';
import { AppReloader } from '../host/app-reloader';
import { Board } from '../host/board/board';
import { createRedisHost } from '../host/create-host';
import { HostGroup } from '../host/host-group';
import { ScaleMonitor } from '../host/scale-monitor';
import { InvocationTap } from '../invoke/invocation-tap';
import { outputDifferenceNote } from '../invoke/redis-bindings';
import { createLogger, flushLogs, type Logger } from '../logging';
import { HostMetrics } from '../metrics/host-metrics';
import { EmbeddedServers } from '../redis/embedded-servers';
import { warnUnknownOptions } from '../triggers/unknown-options';
import type { StartArgs } from './args';
import { startTelemetry } from './telemetry';

const DEFAULT_PORT = 7071;

/** `redis-func start`: load and validate the app, start its listener set(s), the admin API and the scale monitor. */
export async function runStart(args: StartArgs, version: string): Promise<void> {
  const json = args.json ?? !process.stdout.isTTY;
  const config = await loadConfiguration({ scriptRoot: args.scriptRoot, functions: args.functions });
  const port = args.port ?? config.localSettings.localHttpPort ?? DEFAULT_PORT;
  await checkAdminPort(port, args.bind); // before anything connects, as func start checks its port
  const logger = createLogger({
    json,
    verbose: args.verbose,
    level: args.verbose ? 'debug' : config.host.logLevels.default,
  });
  announceFunctions(config.functions, logger, json);
  warnUnknownOptions(config.functions, logger);
  for (const fn of config.functions) {
    if (!fn.disabled && fn.outputs.length > 0)
      logger.info({ functionName: fn.name }, outputDifferenceNote(fn.name));
  }
  const metrics = new HostMetrics();
  // before any listener set: the invokers see the registered SDK when they are made
  const telemetry = startTelemetry(config.settings, config.scriptRoot, metrics, logger);
  const embedded = new EmbeddedServers(logger);
  const tap = new InvocationTap(); // the board's live feed, while a page is open
  const manyInstances = (args.instances ?? 1) > 1 || args.autoscale !== undefined;
  const hostsFor =
    (app: AppConfiguration) =>
    (index: number): ReturnType<typeof createRedisHost> =>
      createRedisHost({
        config: app,
        logger: manyInstances ? logger.child({ instance: index }) : logger,
        minimumLevel: args.verbose ? 'debug' : undefined,
        metrics,
        embeddedServers: embedded,
        instance: index,
        tap,
      });
  const group = new HostGroup({
    create: hostsFor(config),
    functions: config.functions,
    logger,
    metrics,
    afterClose: async () => {
      try {
        await embedded.stopAll();
      } finally {
        await telemetry?.shutdown(); // flushes the last spans and metrics
      }
    },
  });
  metrics.setScaleSource(() => group.primary?.scaleSamples() ?? Promise.resolve([]));
  const monitor = new ScaleMonitor({
    primary: () => group.primary,
    group,
    logger,
    autoscale: args.autoscale,
  });
  const reloader = new AppReloader(config, {
    group,
    logger,
    hostsFor,
    load: (replaceValues) =>
      loadConfiguration({
        scriptRoot: args.scriptRoot,
        functions: args.functions,
        replaceValues,
        freshModules: true,
      }),
  });
  const board = new Board({ target: group, metrics, tap, version });
  board.start(); // its charts count from here: the first invocations too
  const running: { admin?: AdminServer; stopRequested?: boolean } = {};
  handleSignals(logger, async () => {
    running.stopRequested = true;
    await reloader.close();
    await monitor.stop();
    board.close(); // ends the live feed's streams, which would keep the admin server open
    await running.admin?.close();
    await group.close();
  });
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: errorMessage(reason) }, 'Unhandled rejection'),
  );
  try {
    await group.scaleTo(args.autoscale?.min ?? args.instances ?? 1, 'start');
  } catch (error) {
    if (running.stopRequested) return; // stopped while still connecting
    await group.close();
    throw error;
  }
  if (running.stopRequested) return; // stopped while connecting: start nothing more
  if (args.autoscale) monitor.start();
  try {
    const masterKey = config.settings.get(MASTER_KEY_SETTING);
    running.admin = await startAdminServer(
      group,
      { port, bind: args.bind, masterKey, version, board },
      logger,
    );
    logger.info({ port: running.admin.port }, `Board: ${boardUrl(args.bind, running.admin.port)}`);
  } catch (error) {
    // the port was taken since the check: stop like any other start-up failure
    await monitor.stop();
    await group.close();
    throw error;
  }
  if (args.watch && reloader.start()) {
    logger.info('Following edits: a change to the app restarts its functions (--no-watch turns this off)');
  }
  logger.info('Host is running. Press Ctrl+C to stop.');
}

/** Where a browser on this machine opens the board. */
function boardUrl(bind: string | undefined, port: number): string {
  const host = bind === undefined || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/**
 * The functions and their trigger types: a `Functions:` block as `func start` prints it on a terminal,
 * one JSON event (`functions: [{ name, triggerType, disabled }]`) with JSON logs, so every line is JSON.
 */
function announceFunctions(
  functions: readonly { name: string; triggerType: string; disabled: boolean }[],
  logger: Logger,
  json: boolean,
): void {
  if (json) {
    logger.info(
      { functions: functions.map(({ name, triggerType, disabled }) => ({ name, triggerType, disabled })) },
      `Functions: ${functions.map((f) => (f.disabled ? `${f.name} (disabled)` : `${f.name}: ${f.triggerType}`)).join(', ')}`,
    );
    return;
  }
  const lines = ['', 'Functions:', ''];
  for (const fn of functions) {
    lines.push(fn.disabled ? `\tFunction ${fn.name} is disabled.` : `\t${fn.name}: ${fn.triggerType}`);
  }
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
      async () => {
        logger.info('Host stopped');
        await flushLogs(logger);
        process.exit(0);
      },
      async (error: unknown) => {
        logger.error({ err: errorMessage(error) }, 'Error while stopping');
        await flushLogs(logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
