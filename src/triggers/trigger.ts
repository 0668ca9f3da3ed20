import type { HostConfig } from '../config/host-json';
import type { Invoker } from '../invoke/invoker';
import type { RedisBinding } from '../invoke/redis-bindings';
import type { RetryPolicy } from '../invoke/retry-policy';
import type { Logger } from '../logging';
import type { HostMetrics } from '../metrics/host-metrics';
import type { FunctionDefinition } from '../registration/definition';
import type { BindingOptions } from './binding-options';
import type { BrokerPorts } from './ports';
import type { UnknownOption } from './unknown-options';

/** Options every trigger has; each trigger type adds its own. */
export interface TriggerOptions {
  /** Name of the app setting that holds the connection string. */
  readonly connection: string;
}

/** A function ready to run: its definition, its validated trigger options, and whether it is disabled. */
export interface ResolvedFunction<O extends TriggerOptions = TriggerOptions> {
  readonly definition: FunctionDefinition;
  readonly name: string;
  readonly triggerType: string;
  readonly options: O;
  readonly disabled: boolean;
  /** In-process retries of a failed invocation (the function's own policy, else host.json's). */
  readonly retry: RetryPolicy | undefined;
  /** `redis` input bindings, run before the handler. */
  readonly inputs: readonly RedisBinding[];
  /** `redis` output bindings (including `$return`), run after the handler succeeded. */
  readonly outputs: readonly RedisBinding[];
  /** Binding properties no option reads (likely misspellings): warned about once at start-up. */
  readonly unknownOptions?: readonly UnknownOption[];
}

export type ListenerState = 'created' | 'starting' | 'running' | 'closing' | 'closed';

/** Receives or pulls messages for one function and hands each to the invoker. */
export interface Listener {
  readonly state: ListenerState;
  start(): Promise<void>;
  /** Stops taking messages and waits for invocations in flight. Idempotent. */
  close(): Promise<void>;
}

export interface ListenerDeps<O extends TriggerOptions> {
  readonly fn: ResolvedFunction<O>;
  readonly ports: BrokerPorts;
  readonly invoker: Invoker;
  readonly logger: Logger;
  /** Counts reclaimed and dead-lettered messages, when the host keeps metrics. */
  readonly metrics?: HostMetrics;
}

/** A manual run (admin API, test host `invoke`): the value and metadata the handler gets. */
export interface ManualInput {
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
}

export interface ScaleSample {
  readonly backlog: number;
  readonly messagesPerWorker: number;
}

/** Everything the host knows about one trigger type. */
export interface TriggerSpec<O extends TriggerOptions = TriggerOptions> {
  readonly type: string;
  /**
   * Every option the trigger reads, aliases included (besides `connection` and the generic binding
   * properties): a property not listed here is reported as unknown (a warning; Azure ignores it).
   */
  readonly optionNames: readonly string[];
  parseOptions(binding: BindingOptions, host: HostConfig): O;
  createListener(deps: ListenerDeps<O>): Listener;
  manualInput(options: O, message: string): ManualInput;
  /**
   * What Azure's scale controller reads for this function: the backlog (messages waiting) and
   * messagesPerWorker. Absent for triggers that do not scale on backlog (Pub/Sub).
   */
  scaleSample?(options: O, ports: BrokerPorts): Promise<ScaleSample>;
  /** Trigger metadata names, usable as `{Name}` binding expressions in input bindings. */
  readonly metadataNames?: readonly string[];
}
