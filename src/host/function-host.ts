import type { HostConfig } from '../config/host-json';
import type { PinoLevel } from '../config/log-levels';
import { ConfigError, ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import { Invoker, type InvocationRecord } from '../invoke/invoker';
import type { InvocationTap } from '../invoke/invocation-tap';
import type { Logger } from '../logging';
import type { HostMetrics } from '../metrics/host-metrics';
import type { HookCallback } from '../registration/core-module';
import type { Broker, CommandPort } from '../triggers/ports';
import { findTrigger } from '../triggers/registry';
import {
  targetInstances,
  type HostInstance,
  type Listener,
  type ResolvedFunction,
  type ScaleSample,
} from '../triggers/trigger';

/** A function's scale reading and the target instance count Azure's scale monitor computes from it. */
export interface FunctionScaleSample extends ScaleSample {
  readonly fn: ResolvedFunction;
  readonly target: number;
}

export type HostState = 'created' | 'starting' | 'running' | 'closing' | 'closed';

export interface FunctionHostOptions {
  readonly host: HostConfig;
  readonly functions: readonly ResolvedFunction[];
  readonly broker: Broker;
  readonly logger: Logger;
  readonly hooks?: readonly { readonly name: string; readonly callback: HookCallback }[];
  readonly minimumLevel?: PinoLevel;
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** Keep each invocation's `context.log` lines in its record (`logs`); default: when onInvocation is set. */
  readonly recordLogs?: boolean;
  /** Records for runtime subscribers (the board's live feed), shared by every instance. */
  readonly tap?: InvocationTap;
  /** Prometheus metrics (GET /metrics on the admin port). */
  readonly metrics?: HostMetrics;
  /** Which listener set this is, and the WEBSITE_INSTANCE_ID stream consumers are named after. */
  readonly instance?: HostInstance;
}

export const MANUAL_REASON = 'This function was programmatically called via the host APIs.';

/** The composition root: one listener per enabled function, one invoker, one broker. */
export class FunctionHost implements AsyncDisposable {
  state: HostState = 'created';
  readonly invoker: Invoker;
  private readonly listeners: Listener[] = [];
  private readonly hookData: Record<string, unknown> = {};
  private closing: Promise<void> | undefined;

  constructor(readonly options: FunctionHostOptions) {
    const { metrics } = options;
    this.invoker = new Invoker({
      logger: options.logger,
      host: options.host,
      minimumLevel: options.minimumLevel,
      recordLogs: options.recordLogs ?? options.onInvocation !== undefined,
      onEnded:
        metrics && ((name, status, durationMs, count) => metrics.observe(name, status, durationMs, count)),
      onInvocation: options.onInvocation,
      tap: options.tap,
      onRetry: (fn) => metrics?.count('retried', fn.name),
      commands: (connection) => options.broker.ports(connection).commands,
    });
    // A host on its own serves the backlog gauges; a group (redis-func start) points them at its first instance.
    if (metrics && !metrics.hasScaleSource) metrics.setScaleSource(() => this.scaleSamples());
  }

  get functions(): readonly ResolvedFunction[] {
    return this.options.functions;
  }

  get metrics(): HostMetrics | undefined {
    return this.options.metrics;
  }

  readonly instanceCount = 1;

  /** The backlog and target instance count of each list and stream function, as Azure's scale monitor reads them. */
  async scaleSamples(): Promise<FunctionScaleSample[]> {
    const samples: FunctionScaleSample[] = [];
    for (const fn of this.options.functions) {
      const spec = findTrigger(fn.triggerType);
      if (fn.disabled || !spec?.scaleSample) continue;
      const sample = await spec.scaleSample(fn.options, this.options.broker.ports(fn.options.connection));
      samples.push({ fn, ...sample, target: targetInstances(sample) });
    }
    return samples;
  }

  /** The command port on the function's connection (sending test messages, dead letters); undefined once closed. */
  commandsFor(fn: ResolvedFunction): CommandPort | undefined {
    if (this.state === 'closing' || this.state === 'closed') return undefined;
    return this.options.broker.ports(fn.options.connection).commands;
  }

  describeConnections(): Promise<Record<string, string>> {
    return this.options.broker.describe();
  }

  /** The connection settings whose connection is lost and retrying. */
  reconnecting(): Promise<readonly string[]> {
    return this.options.broker.reconnecting?.() ?? Promise.resolve([]);
  }

  async start(): Promise<void> {
    if (this.state !== 'created')
      throw new RedisFuncError(ErrorCodes.HOST_STATE, `Host cannot start: it is ${this.state}.`);
    this.state = 'starting';
    const { broker, logger } = this.options;
    try {
      await this.runHooks('appStart');
      for (const fn of this.options.functions) {
        if (fn.disabled) continue;
        const spec = findTrigger(fn.triggerType);
        if (!spec) continue; // resolveFunctions already refused unknown types
        const ports = broker.ports(fn.options.connection);
        const metrics = this.options.metrics;
        const instance = this.options.instance;
        this.listeners.push(
          spec.createListener({ fn, ports, invoker: this.invoker, logger, metrics, instance }),
        );
      }
      await Promise.all(this.listeners.map((listener) => listener.start()));
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.state !== 'starting') return; // closed while connecting: it never started
    this.state = 'running';
    logger.info(
      { functions: this.options.functions.filter((f) => !f.disabled).map((f) => f.name) },
      'Host started',
    );
  }

  /** Runs a function now with `message` as its input, as the admin endpoint does. */
  invoke(name: string, message: string): Promise<InvocationRecord> {
    const fn = this.options.functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    const spec = fn && findTrigger(fn.triggerType);
    if (!fn || !spec) {
      return Promise.reject(new ConfigError(ErrorCodes.FUNCTION_UNKNOWN, `No function named '${name}'.`));
    }
    const { input, triggerMetadata } = spec.manualInput(fn.options, message);
    return this.invoker.invoke({ fn, input, triggerMetadata, reason: MANUAL_REASON });
  }

  /** Stops taking messages, waits for invocations in flight (up to the grace period), closes connections. */
  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    this.invoker.close();
    const { logger, host, broker } = this.options;
    const drained = Promise.all(
      this.listeners.map((l) => l.close().catch((e: unknown) => logClose(logger, e))),
    );
    const graceMs = host.shutdownGracePeriodMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => this.invoker.idle()).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logger.warn(
        `${this.invoker.activeCount} invocation(s) still running after the ${graceMs}ms grace period; closing anyway`,
      );
    }
    await this.runHooks('appTerminate').catch((e: unknown) => logClose(logger, e));
    await broker.close().catch((e: unknown) => logClose(logger, e));
    this.state = 'closed';
  }

  private async runHooks(name: 'appStart' | 'appTerminate'): Promise<void> {
    for (const hook of this.options.hooks ?? []) {
      if (hook.name === name) await hook.callback({ hookData: this.hookData });
    }
  }
}

function logClose(logger: Logger, error: unknown): void {
  logger.warn({ err: errorMessage(error) }, 'Error while closing');
}
