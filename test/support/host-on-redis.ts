import { Writable } from 'node:stream';
import type { GenericFunctionOptions } from '@azure/functions';
import pino from 'pino';
import { resolveFunctions } from '../../src/config/app-config';
import { parseHostJson } from '../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { connectionUsers } from '../../src/host/create-host';
import { FunctionHost } from '../../src/host/function-host';
import type { InvocationRecord } from '../../src/invoke/invoker';
import { HostMetrics } from '../../src/metrics/host-metrics';
import { RedisConnections } from '../../src/redis/connections';
import { RedisBroker } from '../../src/redis/redis-broker';
import { definitionFromRegistration } from '../../src/registration/from-core';
import type { Broker } from '../../src/triggers/ports';
import { WEBSITE_INSTANCE_ID } from '../../src/triggers/trigger';
import { redisUrl } from './redis-server';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface HostUnderTest {
  readonly host: FunctionHost;
  readonly records: InvocationRecord[];
  readonly logs: LogLine[];
  /** Resolves once `count` invocations (of `name`, if given) have finished. */
  waitForInvocations(count: number, name?: string): Promise<InvocationRecord[]>;
  /** Resolves once `check` returns something other than undefined (checked after each invocation and log line). */
  until<T>(check: () => T | undefined): Promise<T>;
  /** Resolves once a log line matches. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
}

export interface HostOnRedisOptions {
  readonly hostJson?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly url?: string;
  readonly start?: boolean;
  /** Wraps the Redis broker (e.g. to make a port report an older server version). */
  readonly wrapBroker?: (broker: Broker) => Broker;
  /** false: no onInvocation, as in `redis-func start` (`records` stays empty; default true). */
  readonly records?: boolean;
  /** The listener set's number, as `--instances` gives it (default 0). */
  readonly instance?: number;
}

/** A FunctionHost on real Redis with functions declared inline, its invocations and JSON log lines recorded. */
export async function hostOnRedis(
  registrations: Record<string, GenericFunctionOptions>,
  options: HostOnRedisOptions = {},
): Promise<HostUnderTest> {
  const built = buildHostOnRedis(registrations, options);
  if (options.start !== false) await built.host.start();
  return built;
}

/** The same host, built but not started. */
export function buildHostOnRedis(
  registrations: Record<string, GenericFunctionOptions>,
  options: HostOnRedisOptions = {},
): HostUnderTest {
  const hostConfig = parseHostJson({ version: '2.0', ...options.hostJson });
  const settings = new Settings(EMPTY_LOCAL_SETTINGS, {
    RedisConnectionString: options.url ?? redisUrl(),
    ...options.env,
  });
  const definitions = Object.entries(registrations).map(([name, o]) =>
    definitionFromRegistration({ name, options: o }, 'test'),
  );
  const records: InvocationRecord[] = [];
  const logs: LogLine[] = [];
  const waiters: (() => void)[] = [];
  const notify = (): void => waiters.splice(0).forEach((w) => w());
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      notify();
      callback();
    },
  });
  const logger = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, stream);
  const metrics = new HostMetrics();
  const functions = resolveFunctions(definitions, settings, hostConfig);
  const connections = new RedisConnections({
    settings,
    logger,
    embeddedDefault: false,
    onReconnect: (setting) => metrics.count('reconnects', setting),
    users: connectionUsers(functions),
  });
  const host = new FunctionHost({
    host: hostConfig,
    functions,
    broker: options.wrapBroker
      ? options.wrapBroker(new RedisBroker(connections))
      : new RedisBroker(connections),
    logger,
    metrics,
    instance: { index: options.instance ?? 0, websiteInstanceId: settings.get(WEBSITE_INSTANCE_ID) },
    onInvocation:
      options.records === false
        ? undefined
        : (record) => {
            records.push(record);
            notify();
          },
  });
  const until = <T>(check: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const attempt = (): void => {
        const value = check();
        if (value !== undefined) resolve(value);
        else waiters.push(attempt);
      };
      attempt();
    });
  return {
    host,
    records,
    logs,
    waitForInvocations: (count, name) =>
      until(() => {
        const matching = records.filter((r) => name === undefined || r.functionName === name);
        return matching.length >= count ? matching : undefined;
      }),
    waitForLog: (predicate) => until(() => logs.find(predicate)),
    until,
  };
}
