import type { GenericFunctionOptions } from '@azure/functions';
import { resolveFunctions } from '../config/app-config';
import { parseHostJson, type HostConfig } from '../config/host-json';
import { EMPTY_LOCAL_SETTINGS, loadLocalSettings } from '../config/local-settings';
import { loadConfiguration } from '../config/load';
import { Settings } from '../config/settings';
import { FunctionHost } from '../host/function-host';
import type { InvocationRecord } from '../invoke/invoker';
import { silentLogger } from '../logging';
import { registrationsOf, type AppRegistration } from '../registration/decorators';
import type { FunctionDefinition } from '../registration/definition';
import { definitionFromRegistration } from '../registration/from-core';
import { validateNames } from '../registration/loader';
import type { StreamEntry } from '../triggers/ports';
import { STREAM_TRIGGER, type StreamTriggerOptions } from '../triggers/stream';
import { WEBSITE_INSTANCE_ID, type ResolvedFunction } from '../triggers/trigger';
import { testEntryLoader } from './entry-loader';
import { MemoryBroker } from './memory-broker';
import { scopedEnv } from './scoped-env';
import type { PendingEntryInfo } from './memory-streams';

export interface TestHostOptions {
  /** Load the app from here exactly as `redis-func start` does (host.json, local.settings.json, main). */
  readonly scriptRoot?: string;
  /**
   * Classes decorated with @FunctionApp(), or `{ name, options }` registrations as given to app.generic.
   * With `scriptRoot`, they run beside the app's functions (a name in both is an error).
   */
  readonly functions?: ReadonlyArray<AppRegistration | (abstract new (...args: never[]) => unknown)>;
  /** App settings (connection names need no value: nothing connects). */
  readonly settings?: Readonly<Record<string, string>>;
  /** host.json contents (default `{ "version": "2.0" }`). */
  readonly hostJson?: Readonly<Record<string, unknown>>;
  /** Listener sets, as with `--instances` (stream consumer groups split entries among them). */
  readonly instances?: number;
}

export type { GenericFunctionOptions };

/**
 * Everything a handler test needs: a host running the production listeners and invoker on an in-memory
 * Redis. Each broker call resolves once the invocations it caused have settled.
 */
export class TestHost {
  readonly invocations: InvocationRecord[] = [];
  private closing: Promise<void> | undefined;
  private constructor(
    readonly broker: MemoryBroker,
    private readonly hosts: FunctionHost[],
    private readonly restoreEnv: () => void,
  ) {}

  static async create(options: TestHostOptions = {}): Promise<TestHost> {
    const restoreEnv = applySettings(options);
    let resolved: { functions: ResolvedFunction[]; host: HostConfig };
    try {
      resolved = await resolve(options);
    } catch (error) {
      restoreEnv();
      throw error;
    }
    const { functions, host } = resolved;
    const broker = new MemoryBroker();
    const records: InvocationRecord[] = [];
    const hosts = Array.from(
      { length: Math.max(1, options.instances ?? 1) },
      (_, index) =>
        new FunctionHost({
          host,
          functions,
          broker: broker.instance(index),
          logger: silentLogger(),
          onInvocation: (record) => records.push(record),
          recordLogs: true,
          instance: { index, websiteInstanceId: process.env[WEBSITE_INSTANCE_ID] },
        }),
    );
    const testHost = new TestHost(broker, hosts, restoreEnv);
    (testHost as { invocations: InvocationRecord[] }).invocations = records;
    for (const h of hosts) await h.start();
    await testHost.idle();
    return testHost;
  }

  /** PUBLISH; the number of subscriptions that received it (Redis glob rules for patterns). */
  async publish(channel: string, message: string): Promise<number> {
    const receivers = this.broker.publish(channel, message);
    await this.idle();
    return receivers;
  }

  /** SPUBLISH (sharded Pub/Sub): received by `sharded: true` functions of exactly that channel. */
  async spublish(channel: string, message: string): Promise<number> {
    const receivers = this.broker.spublish(channel, message);
    await this.idle();
    return receivers;
  }

  async lpush(key: string, ...values: string[]): Promise<number> {
    const length = this.broker.push(key, values, 'left');
    await this.idle();
    return length;
  }

  async rpush(key: string, ...values: string[]): Promise<number> {
    const length = this.broker.push(key, values, 'right');
    await this.idle();
    return length;
  }

  async xadd(key: string, fields: Readonly<Record<string, string>>, id = '*'): Promise<string> {
    const entryId = this.broker.xadd(key, fields, id);
    await this.idle();
    return entryId;
  }

  /** SET, raising `set` keyspace/keyevent notifications. */
  async set(key: string, value: string): Promise<void> {
    this.broker.set(key, value);
    await this.idle();
  }

  /** DEL, raising `del` notifications when the key existed. */
  async del(key: string): Promise<boolean> {
    const existed = this.broker.del(key);
    await this.idle();
    return existed;
  }

  /** Runs a function with `input` as its message, as `POST /admin/functions/<name>` does. */
  async invoke(name: string, input: string): Promise<InvocationRecord> {
    const primary = this.hosts[0];
    if (!primary) throw new Error('The test host is closed.');
    return primary.invoke(name, input);
  }

  invocationsOf(name: string): InvocationRecord[] {
    return this.invocations.filter((r) => r.functionName.toLowerCase() === name.toLowerCase());
  }

  /** A list's elements, head first. */
  list(key: string): string[] {
    return this.broker.store.list(key)?.toArray() ?? [];
  }

  /** A string's value (GET), e.g. what an output binding wrote; undefined when absent. */
  get(key: string): string | undefined {
    return this.broker.store.getString(key);
  }

  /** A stream's entries, oldest first (XRANGE key - +). */
  entries(key: string): StreamEntry[] {
    return (this.broker.store.stream(key)?.entries ?? []).map((e) => ({ key, id: e.id, fields: e.fields }));
  }

  /**
   * A stream group's pending entry ids, per consumer. The group defaults to that of the stream function
   * reading `key` (its `consumerGroup`, else its name, as in Azure).
   */
  pending(key: string, group?: string): Record<string, string[]> {
    return this.broker.streams.pendingOf(key, group ?? this.groupOf(key));
  }

  /** A stream group's pending entries list (XPENDING key group - + n): consumer, idle time, deliveries. */
  pendingEntries(key: string, group?: string): PendingEntryInfo[] {
    return this.broker.streams.pendingEntriesOf(key, group ?? this.groupOf(key));
  }

  /** The consumer group of the one stream function reading `key`; several or none must be named. */
  private groupOf(key: string): string {
    const groups = new Set<string>();
    for (const fn of this.hosts[0]?.functions ?? []) {
      const o = fn.options as Partial<StreamTriggerOptions>;
      if (fn.triggerType === STREAM_TRIGGER && o.keys?.includes(key) && o.consumerGroup)
        groups.add(o.consumerGroup);
    }
    const [only, ...others] = groups;
    if (only !== undefined && others.length === 0) return only;
    throw new Error(
      groups.size === 0
        ? `No stream function reads '${key}': name the consumer group (pending(key, group)).`
        : `Several consumer groups read '${key}' (${[...groups].join(', ')}): name one (pending(key, group)).`,
    );
  }

  /**
   * Waits until no invocation runs and no listener has work it could still pick up. The in-memory ports
   * answer with resolved promises, so one turn of the event loop lets every listener a write woke start
   * its invocations; while some run, this waits for the invokers to drain (no spinning), then looks again.
   * Timer-driven work (polling intervals, reclaim of idle stream entries) is not waited for.
   */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const busy = this.hosts.filter((h) => h.invoker.activeCount > 0);
      if (busy.length === 0) return;
      await Promise.all(busy.map((h) => h.invoker.idle()));
    }
  }

  /** Stops every listener, waits for invocations in flight, and restores the environment; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    try {
      for (const h of this.hosts.splice(0)) await h.close();
    } finally {
      this.restoreEnv();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  return TestHost.create(options);
}

async function resolve(
  options: TestHostOptions,
): Promise<{ functions: ResolvedFunction[]; host: HostConfig }> {
  const extra = (options.functions ?? []).flatMap(toDefinitions);
  if (options.scriptRoot) {
    const config = await loadConfiguration({
      scriptRoot: options.scriptRoot,
      env: process.env,
      applyValuesToEnv: false, // applySettings did, for the host's lifetime only
      loadEntry: testEntryLoader(options.scriptRoot),
    });
    const host = options.hostJson ? parseHostJson({ version: '2.0', ...options.hostJson }) : config.host;
    // `functions` run beside the app's own; a name in both is refused (validateNames names both sources)
    validateNames([...config.app.functions, ...extra]);
    return { functions: [...config.functions, ...resolveFunctions(extra, config.settings, host)], host };
  }
  const host = parseHostJson({ version: '2.0', ...options.hostJson });
  validateNames(extra);
  return {
    functions: resolveFunctions(extra, new Settings(EMPTY_LOCAL_SETTINGS, process.env), host),
    host,
  };
}

/**
 * `settings`, then local.settings.json Values (an existing variable wins), become environment variables
 * before the app loads, as under the host; the returned function undoes it (close() calls it).
 */
function applySettings(options: TestHostOptions): () => void {
  const restore = [scopedEnv(options.settings ?? {}, true)];
  try {
    if (options.scriptRoot) restore.push(scopedEnv(loadLocalSettings(options.scriptRoot).values, false));
  } catch {
    // an unreadable local.settings.json is reported by loadConfiguration, with its file and field
  }
  return () => restore.reverse().forEach((undo) => undo());
}

function toDefinitions(
  item: AppRegistration | (abstract new (...args: never[]) => unknown),
): FunctionDefinition[] {
  if (typeof item === 'function') {
    const registrations = registrationsOf(item);
    if (!registrations) throw new Error(`${item.name} is not decorated with @FunctionApp().`);
    return registrations.map((r) => definitionFromRegistration(r, item.name));
  }
  return [definitionFromRegistration(item, item.name)];
}
