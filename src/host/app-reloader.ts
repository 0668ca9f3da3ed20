import type { AppConfiguration } from '../config/load';
import { RedisFuncError, errorMessage } from '../errors';
import type { Logger } from '../logging';
import { warnUnknownOptions } from '../triggers/unknown-options';
import { appModuleFiles } from '../registration/loader';
import { AppWatcher, watchTargets } from './app-watcher';
import type { FunctionHost } from './function-host';
import type { HostGroup } from './host-group';

export interface AppReloaderOptions {
  readonly group: HostGroup;
  readonly logger: Logger;
  /** Reads host.json, local.settings.json and the app's code from disk again. */
  readonly load: (replaceValues: readonly string[]) => Promise<AppConfiguration>;
  /** The instance factory for a configuration. */
  readonly hostsFor: (config: AppConfiguration) => (index: number) => FunctionHost;
  readonly quietMs?: number;
}

/**
 * Follows edits (`redis-func start` without `--no-watch`): when the app's files change, loads the app again
 * and, if that succeeds, restarts the functions in place (stop taking messages, finish invocations in
 * flight, start on the new code). A load or start that fails keeps (or brings back) the functions that ran.
 */
export class AppReloader {
  private config: AppConfiguration;
  private watcher: AppWatcher | undefined;
  private restarting: Promise<void> | undefined;
  private queued: Set<string> | undefined;
  private closed = false;
  /** Every variable a load copied from local.settings.json into process.env. */
  private readonly ownedValues = new Set<string>();
  /** The app modules any successful load read: a failed load leaves the require cache incomplete. */
  private readonly knownModules = new Set<string>();

  constructor(
    initial: AppConfiguration,
    private readonly options: AppReloaderOptions,
  ) {
    this.config = initial;
    for (const name of initial.appliedValues) this.ownedValues.add(name);
    this.learnModules();
  }

  /** Starts watching when host.json allows it; false when `fileWatchingEnabled` is false. */
  start(): boolean {
    if (!this.config.host.fileWatching.enabled) return false;
    this.watch();
    return true;
  }

  /** Stops watching and waits for a restart under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    await this.restarting;
  }

  /** Reloads and restarts now (what a change does once it settled); resolves when done or refused. */
  restart(changed: readonly string[]): Promise<void> {
    if (this.restarting) {
      this.queued ??= new Set();
      for (const file of changed) this.queued.add(file);
      return this.restarting;
    }
    const run = this.doRestart(changed).finally(() => {
      this.restarting = undefined;
      this.rewatch();
      const again = this.queued;
      this.queued = undefined;
      if (again && !this.closed) void this.restart([...again]);
    });
    this.restarting = run;
    return run;
  }

  private watch(): void {
    this.watcher = new AppWatcher({
      targets: watchTargets(this.config, [...this.knownModules]),
      root: this.config.scriptRoot,
      logger: this.options.logger,
      quietMs: this.options.quietMs,
      onChange: (changed) => void this.restart(changed),
    });
  }

  private async doRestart(changed: readonly string[]): Promise<void> {
    const { logger, group } = this.options;
    if (this.closed) return;
    const started = performance.now();
    const what = describe(changed);
    logger.info({ changed }, `Change detected (${what}): reloading the app`);
    let next: AppConfiguration;
    try {
      next = await this.options.load([...this.ownedValues]);
    } catch (error) {
      logger.error(
        { changed, err: errorMessage(error), code: error instanceof RedisFuncError ? error.code : undefined },
        `Reload failed; the functions loaded before keep running. Fix it and save again. ${errorMessage(error)}`,
      );
      return;
    }
    for (const name of next.appliedValues) this.ownedValues.add(name);
    this.learnModules();
    if (this.closed) return;
    warnUnknownOptions(next.functions, logger);
    try {
      await group.replace(this.options.hostsFor(next), next.functions);
    } catch (error) {
      logger.error(
        { changed, err: errorMessage(error) },
        `Restart failed; starting the functions loaded before again. ${errorMessage(error)}`,
      );
      await group
        .replace(this.options.hostsFor(this.config), this.config.functions)
        .catch((e: unknown) =>
          logger.error({ err: errorMessage(e) }, `Starting the functions loaded before failed too`),
        );
      return;
    }
    this.config = next;
    const durationMs = Math.round(performance.now() - started);
    logger.info(
      { changed, durationMs, functions: next.functions.filter((f) => !f.disabled).map((f) => f.name) },
      `Restarted in ${durationMs}ms after a change (${what})`,
    );
    if (!next.host.fileWatching.enabled)
      logger.info('host.json sets fileWatchingEnabled to false: no longer following edits');
  }

  private learnModules(): void {
    for (const file of appModuleFiles(this.config.scriptRoot)) this.knownModules.add(file);
  }

  /**
   * Watches again after every attempt, failed ones too: the folders may have been deleted and written
   * again (a clean build), and a watch on a deleted folder sees nothing more. Changes the old watches saw
   * and did not report yet restart again.
   */
  private rewatch(): void {
    const previous = this.watcher;
    this.watcher = undefined;
    // The new watches start before the old ones stop, so a change in between is seen by one of them.
    if (!this.closed && this.config.host.fileWatching.enabled) this.watch();
    const pending = previous?.close() ?? [];
    if (pending.length > 0) {
      this.queued ??= new Set();
      for (const file of pending) this.queued.add(file);
    }
  }
}

function describe(changed: readonly string[]): string {
  const shown = changed.slice(0, 5).join(', ');
  return changed.length > 5 ? `${shown} and ${changed.length - 5} more` : shown;
}
