import { parseDurationMs } from '../config/duration';
import { isRecord } from '../config/read-json';
import { ConfigError, ErrorCodes, type ErrorCode } from '../errors';

/** A validated retry policy (host.json `retry`, or a function's own). */
export interface RetryPolicy {
  readonly strategy: 'fixedDelay' | 'exponentialBackoff';
  /** Retries after the first attempt; Infinity for -1. */
  readonly maxRetryCount: number;
  readonly minimumIntervalMs: number;
  readonly maximumIntervalMs: number;
}

/** Delay before retry number `retry` (1-based): fixed, or doubling from the minimum up to the maximum, with jitter. */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  if (policy.strategy === 'fixedDelay') return policy.minimumIntervalMs;
  const exponential = policy.minimumIntervalMs * 2 ** Math.min(retry - 1, 30);
  const capped = Math.min(policy.maximumIntervalMs, exponential);
  return Math.round(capped * (0.8 + Math.random() * 0.2));
}

/**
 * Reads a retry policy as written in host.json / function.json (`hh:mm:ss` or milliseconds), as given to
 * app.generic (milliseconds or `{ hours, minutes, seconds, milliseconds }`), or as @azure/functions
 * hands it to the worker (`retryStrategy`, `{ seconds }`).
 */
export function parseRetryPolicy(raw: unknown, where: Where): RetryPolicy | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw invalid(where, '', 'must be an object');
  const strategy = raw['strategy'] ?? raw['retryStrategy'];
  const lower = typeof strategy === 'string' ? strategy.toLowerCase().replace(/_/g, '') : undefined;
  const maxRetryCount = Number(raw['maxRetryCount']);
  if (!Number.isInteger(maxRetryCount) || maxRetryCount < -1) {
    throw invalid(
      where,
      '.maxRetryCount',
      `must be a whole number >= -1 (found ${JSON.stringify(raw['maxRetryCount'])})`,
    );
  }
  const max = maxRetryCount === -1 ? Number.POSITIVE_INFINITY : maxRetryCount;
  if (lower === 'fixeddelay') {
    const delay = interval(raw['delayInterval'], where, '.delayInterval');
    return Object.freeze({
      strategy: 'fixedDelay',
      maxRetryCount: max,
      minimumIntervalMs: delay,
      maximumIntervalMs: delay,
    });
  }
  if (lower === 'exponentialbackoff') {
    const minimum = interval(raw['minimumInterval'], where, '.minimumInterval');
    const maximum = interval(raw['maximumInterval'], where, '.maximumInterval');
    if (maximum < minimum)
      throw invalid(where, '.maximumInterval', 'must not be shorter than minimumInterval');
    return Object.freeze({
      strategy: 'exponentialBackoff',
      maxRetryCount: max,
      minimumIntervalMs: minimum,
      maximumIntervalMs: maximum,
    });
  }
  throw invalid(
    where,
    '.strategy',
    `must be "fixedDelay" or "exponentialBackoff" (found ${JSON.stringify(strategy)})`,
  );
}

function interval(value: unknown, where: Where, field: string): number {
  if (isRecord(value)) {
    const part = (key: string): number => (typeof value[key] === 'number' ? value[key] : 0);
    const ms =
      ((part('hours') * 60 + part('minutes')) * 60 + part('seconds')) * 1000 +
      part('milliseconds') +
      part('nanos') / 1e6;
    if (Number.isFinite(ms) && ms >= 0) return ms;
  } else {
    const ms = parseDurationMs(value);
    if (ms !== undefined) return ms;
  }
  throw invalid(
    where,
    field,
    `must be a duration like "00:00:05" or milliseconds (found ${JSON.stringify(value)})`,
  );
}

interface Where {
  readonly file: string;
  readonly field: string;
  readonly code?: ErrorCode;
}

function invalid(where: Where, suffix: string, problem: string): ConfigError {
  const field = `${where.field}${suffix}`;
  return new ConfigError(where.code ?? ErrorCodes.BINDING_INVALID, `${where.file}: "${field}" ${problem}.`, {
    file: where.file,
    field,
  });
}
