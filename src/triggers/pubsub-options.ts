import type { HostConfig } from '../config/host-json';
import { getCaseInsensitive, isRecord } from '../config/read-json';
import { ConfigError, ErrorCodes } from '../errors';
import type { BindingOptions } from './binding-options';

/** How a Pub/Sub function takes load: how many messages run at once and how many may wait. */
export interface PubSubLoadOptions {
  /**
   * Messages that may wait for a free invocation; past it the oldest waiting message is dropped (and
   * counted). Per function `maxBacklog`, else host.json `extensions.redis.pubsub.maxBacklog`.
   */
  readonly maxBacklog: number;
  /** Invocations at once; 1 (the default, as in Azure) handles messages one after another, in order. */
  readonly concurrency: number;
}

export const PUBSUB_DEFAULTS: Readonly<PubSubLoadOptions> = Object.freeze({
  maxBacklog: 10_000,
  concurrency: 1,
});

/** `maxBacklog` and `concurrency` of a Pub/Sub trigger (the function's own, else host.json's, else defaults). */
export function parsePubSubLoad(binding: BindingOptions, host: HostConfig): PubSubLoadOptions {
  return {
    maxBacklog: binding.integer(['maxBacklog'], pubsubSection(host).maxBacklog),
    concurrency: binding.integer(['concurrency'], PUBSUB_DEFAULTS.concurrency),
  };
}

/** host.json `extensions.redis.pubsub.maxBacklog`. */
function pubsubSection(host: HostConfig): { maxBacklog: number } {
  const section = getCaseInsensitive(host.redisExtension, 'pubsub');
  if (section === undefined) return { maxBacklog: PUBSUB_DEFAULTS.maxBacklog };
  if (!isRecord(section)) throw hostError(host, 'extensions.redis.pubsub', 'must be an object');
  const max = getCaseInsensitive(section, 'maxBacklog');
  if (max === undefined) return { maxBacklog: PUBSUB_DEFAULTS.maxBacklog };
  if (!(typeof max === 'number' && Number.isInteger(max) && max >= 1)) {
    const found = JSON.stringify(max);
    throw hostError(
      host,
      'extensions.redis.pubsub.maxBacklog',
      `must be a whole number >= 1 (found ${found})`,
    );
  }
  return { maxBacklog: max };
}

function hostError(host: HostConfig, field: string, problem: string): ConfigError {
  return new ConfigError(ErrorCodes.HOST_JSON_INVALID, `${host.file}: field "${field}" ${problem}.`, {
    file: host.file,
    field,
  });
}
