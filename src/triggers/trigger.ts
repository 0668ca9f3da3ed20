import type { HostConfig, TriggerValueFormat } from '../config/host-json';
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
  /** Which listener set this is (`--instances`), and the app's WEBSITE_INSTANCE_ID, if set. */
  readonly instance?: HostInstance;
}

/** The app setting Azure sets to the id of each instance of an app. */
export const WEBSITE_INSTANCE_ID = 'WEBSITE_INSTANCE_ID';

/** A listener set's identity: its number in the process and the instance id Azure would give it. */
export interface HostInstance {
  readonly index: number;
  /** The `WEBSITE_INSTANCE_ID` setting (Azure sets it per instance); stream consumers are named after it. */
  readonly websiteInstanceId: string | undefined;
}

/**
 * A stream consumer's name, as in Azure: `WEBSITE_INSTANCE_ID` when set, else a fresh GUID. Listener sets
 * after the first in one process (`--instances`) add `-<n>` to the instance id, so every consumer's name
 * stays unique (a GUID is unique already).
 */
export function consumerName(instance: HostInstance | undefined, newGuid: () => string): string {
  const id = instance?.websiteInstanceId;
  if (id === undefined || id === '') return newGuid();
  return instance && instance.index > 0 ? `${id}-${instance.index}` : id;
}

/** A manual run (admin API, test host `invoke`): the value and metadata the handler gets. */
export interface ManualInput {
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
}

/** What Azure's scale monitor reads for a function, and what one instance is counted to take. */
export interface ScaleSample {
  /** Messages waiting: LLEN over the keys; a stream group's lag (undelivered entries). */
  readonly backlog: number;
  /** Divides the backlog: `maxBatchSize` (as the 1.x extension), or the preview's `messagesPerWorker` when set. */
  readonly perInstance: number;
  readonly perInstanceFrom: 'maxBatchSize' | 'messagesPerWorker';
  /** Taken and not finished: a stream group's pending entries, a reliable list's processing lists. */
  readonly pending?: number;
}

/** The target instance count Azure's scale monitor computes: ceil(backlog / perInstance), 0 when nothing waits. */
export function targetInstances(sample: ScaleSample): number {
  return Math.ceil(sample.backlog / sample.perInstance);
}

/** The divisor of the scale target: the preview's `messagesPerWorker` when set, else the batch size. */
export function perInstance(options: {
  readonly batchSize: number;
  readonly messagesPerWorker: number | undefined;
}): Pick<ScaleSample, 'perInstance' | 'perInstanceFrom'> {
  return options.messagesPerWorker === undefined
    ? { perInstance: options.batchSize, perInstanceFrom: 'maxBatchSize' }
    : { perInstance: options.messagesPerWorker, perInstanceFrom: 'messagesPerWorker' };
}

/** Everything the host knows about one trigger type. */
export interface TriggerSpec<O extends TriggerOptions = TriggerOptions> {
  readonly type: string;
  /**
   * Every option the trigger reads, aliases included (besides `connection` and the generic binding
   * properties): a property not listed here is reported as unknown (a warning; Azure ignores it).
   */
  readonly optionNames: readonly string[];
  /**
   * Validates and defaults the trigger's options. `valueFormat` is the function's value shape (see
   * valueFormatOf); in `v1` mode the defaults are the 1.x extension's.
   */
  parseOptions(binding: BindingOptions, host: HostConfig, valueFormat: TriggerValueFormat): O;
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
