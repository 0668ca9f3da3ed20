import type { RetryContext } from '@azure/functions';
import type { HostConfig } from '../config/host-json';
import type { PinoLevel } from '../config/log-levels';
import type { Logger } from '../logging';
import type { CommandPort } from '../triggers/ports';
import type { ResolvedFunction } from '../triggers/trigger';
import type { InvocationTap } from './invocation-tap';

/** What the Invoker takes and gives: requests, outcomes and records, attempt modes and its options. */

export type InvocationStatus = 'succeeded' | 'failed';

export interface InvocationRequest {
  readonly fn: ResolvedFunction;
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
  /** Why it runs, as in the host's `Executing ... (Reason='...')` line. */
  readonly reason: string;
  readonly retryContext?: RetryContext;
  /** The number this run counts as (a stream entry's delivery count): retries go on from there. */
  readonly firstAttempt?: number;
  /** Keeps the retries' progress where another process can pick it up (stream entries in Redis). */
  readonly retries?: RetryStore;
}

/** Where a trigger records a message's retries, so that they survive the host (see StreamListener). */
export interface RetryStore {
  /** Attempt `attempts` failed and the next runs in `delayMs`: record that. */
  failed(attempts: number, delayMs: number): Promise<void>;
  /** Attempt `attempt` is due: take the message back; false when it is no longer this host's to run. */
  resume(attempt: number): Promise<boolean>;
}

/** How an attempt ended, as the triggers and the host's metrics see it: its record without the id. */
export interface InvocationOutcome {
  readonly functionName: string;
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
  readonly status: InvocationStatus;
  readonly result?: unknown;
  readonly error?: unknown;
  readonly durationMs: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The handler's `context.log` lines, when the invoker keeps them (`recordLogs`); empty otherwise. */
  readonly logs: readonly { readonly level: string; readonly message: string }[];
}

/** One finished attempt, as `invoke` returns it and `onInvocation` (the test host) receives it. */
export interface InvocationRecord extends InvocationOutcome {
  readonly invocationId: string;
}

/** An attempt's end: its outcome (when its mode wants one), at once or in a promise. */
export type Ended = InvocationOutcome | undefined | Promise<InvocationOutcome | undefined>;

/**
 * How an attempt runs: whether it ends the invocation, has its id in its record, and whether its caller
 * wants its outcome (a caller that wants none gets undefined, unless someone receives records).
 */
export interface AttemptMode {
  readonly endsInvocation: boolean;
  readonly withId: boolean;
  readonly withOutcome: boolean;
}

export const INVOKE: AttemptMode = { endsInvocation: true, withId: true, withOutcome: true };
export const INVOKE_NOW: AttemptMode = { endsInvocation: true, withId: false, withOutcome: true };
export const INVOKE_UNREPORTED: AttemptMode = { endsInvocation: true, withId: false, withOutcome: false };
/** Retries need each attempt's outcome (is it retryable?). */
export const RETRIED: AttemptMode = { endsInvocation: false, withId: false, withOutcome: true };
export const RETRIED_WITH_ID: AttemptMode = { ...RETRIED, withId: true };

export interface InvokerOptions {
  readonly logger: Logger;
  readonly host: HostConfig;
  /** Lowest level for every function (e.g. `debug` with --verbose); host.json levels apply otherwise. */
  readonly minimumLevel?: PinoLevel;
  /**
   * Called with each finished attempt's function, status and duration (the host's metrics); `count`
   * attempts at once, `durationMs` each, when the Pub/Sub clock timed them together (see MessageClock).
   */
  readonly onEnded?: (
    functionName: string,
    status: InvocationStatus,
    durationMs: number,
    count: number,
  ) => void;
  /** Called with each finished attempt's record, id included (the test host keeps them). */
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** Keep each invocation's `context.log` lines in its record (`logs`; the test host shows them). */
  readonly recordLogs?: boolean;
  /**
   * Records for whoever subscribes at runtime (the board): while someone does, records are built with
   * their log lines as for onInvocation; while nobody does, this costs one property read per attempt.
   */
  readonly tap?: InvocationTap;
  /** Called before each retry attempt. */
  readonly onRetry?: (fn: ResolvedFunction) => void;
  /** Where `redis` input and output bindings run their commands, per connection setting. */
  readonly commands?: (connection: string) => CommandPort | undefined;
}
