import type { InvocationContextInit } from '@azure/functions';
import type { HostConfig } from '../config/host-json';
import type { PinoLevel } from '../config/log-levels';
import type { Logger } from '../logging';
import type { ResolvedFunction } from '../triggers/trigger';
import { FunctionLines } from './attempt';

/** What every invocation of a function shares (see FunctionStates). */
export interface FunctionState {
  /** Executing/Executed and the handler's own lines: no redaction pass. */
  readonly lines: Logger;
  /** Whether `lines` logs the Executing/Executed lines (Information): its level is set once, here. */
  readonly logsLines: boolean;
  /** Failed invocations (their error objects are redacted). */
  readonly failures: Logger;
  /** The binding options of its contexts (`context.options`). */
  readonly contextOptions: NonNullable<InvocationContextInit['options']>;
  /** The source of its contexts made without an attempt (see Invoker.invokeMessage). */
  readonly source: FunctionLines;
  /** Its handler returned a promise the last time it ran on Invoker.invokeMessage's quick path. */
  awaited: boolean;
}

/**
 * What every invocation of a function shares, made at its first: its loggers at its host.json level and
 * the binding options of its contexts. The invocation lines carry only the invocation id and text (pino
 * does not redact text), so they skip the redaction pass, which costs about as much as the rest of a line;
 * failures, whose `err` may hold anything, keep it.
 */
export class FunctionStates {
  private readonly perFunction = new WeakMap<ResolvedFunction, FunctionState>();
  /** The function of the last invocation and its state: most invocations follow one of the same function. */
  private lastFunction: ResolvedFunction | undefined;
  private lastState: FunctionState | undefined;

  /** `minimumLevel`: the lowest level for every function (e.g. `debug` with --verbose). */
  constructor(
    private readonly logger: Logger,
    private readonly host: HostConfig,
    private readonly minimumLevel: PinoLevel | undefined,
  ) {}

  of(fn: ResolvedFunction): FunctionState {
    if (fn === this.lastFunction && this.lastState) return this.lastState;
    let state = this.perFunction.get(fn);
    if (!state) {
      state = this.make(fn);
      this.perFunction.set(fn, state);
    }
    this.lastFunction = fn;
    this.lastState = state;
    return state;
  }

  private make(fn: ResolvedFunction): FunctionState {
    const { name, definition } = fn;
    const { logLevels } = this.host;
    const configured = logLevels.perFunction[name.toLowerCase()] ?? logLevels.function ?? logLevels.default;
    // A silent root (the test host) stays silent; otherwise host.json levels apply per function.
    const root = this.logger;
    const level = root.level === 'silent' ? 'silent' : lowest(configured, this.minimumLevel);
    const lines = root.child({ functionName: name }, { redact: { paths: [] }, level });
    const contextOptions: FunctionState['contextOptions'] = {
      trigger: definition.trigger,
      extraInputs: definition.extraInputs as never,
      extraOutputs: definition.extraOutputs as never,
      return: definition.returnBinding,
    };
    return {
      lines,
      logsLines: lines.isLevelEnabled('info'),
      failures: root.child({ functionName: name }, { level }),
      contextOptions,
      source: new FunctionLines(lines, contextOptions),
      awaited: false,
    };
  }
}

const ORDER: readonly PinoLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function lowest(a: PinoLevel, b: PinoLevel | undefined): PinoLevel {
  return b !== undefined && ORDER.indexOf(b) < ORDER.indexOf(a) ? b : a;
}
