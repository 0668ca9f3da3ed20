import { getCaseInsensitive, isRecord } from '../config/read-json';
import { AZURE_DIFFERENCES } from './azure-differences';
import type { Difference } from './types';

export const EXTENSION_BUNDLE = Object.freeze({
  id: 'Microsoft.Azure.Functions.ExtensionBundle',
  version: '[4.*, 5.0.0)',
});

export interface PackedHostJson {
  readonly hostJson: Record<string, unknown>;
  readonly differences: readonly Difference[];
}

/**
 * The app's host.json for Azure: the extension bundle that carries the Redis extension, and
 * `extensions.redis` reduced to `triggerValueFormat: "v1"`. The 1.x extension reads no host.json
 * options, so Azure ignores that key; redis-func reads it when it runs the packed app, and then hands the
 * shims the 1.x shapes Azure hands them.
 */
export function packHostJson(raw: Readonly<Record<string, unknown>>): PackedHostJson {
  const differences: Difference[] = [];
  const hostJson: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const lower = key.toLowerCase();
    if (lower === 'extensionbundle' || lower === 'extensions') continue;
    hostJson[key] = value;
    if (lower === 'retry') {
      const retries = AZURE_DIFFERENCES.retries;
      differences.push({
        ...row('retry', retries.redisFunc, retries.azure, 'differs'),
        difference: 'retries',
      });
    }
  }
  hostJson['extensionBundle'] = { ...EXTENSION_BUNDLE };
  const bundle = getCaseInsensitive(raw, 'extensionBundle');
  if (
    isRecord(bundle) &&
    (bundle['id'] !== EXTENSION_BUNDLE.id || bundle['version'] !== EXTENSION_BUNDLE.version)
  ) {
    differences.push(
      row(
        'extensionBundle',
        JSON.stringify(bundle),
        `${EXTENSION_BUNDLE.id} ${EXTENSION_BUNDLE.version}`,
        'note',
      ),
    );
  }
  const extensions = getCaseInsensitive(raw, 'extensions');
  const others = isRecord(extensions) ? { ...extensions } : {};
  const redis = isRecord(extensions) ? getCaseInsensitive(extensions, 'redis') : undefined;
  for (const key of Object.keys(others)) if (key.toLowerCase() === 'redis') delete others[key];
  for (const [key, value] of Object.entries(isRecord(redis) ? redis : {})) {
    if (key.toLowerCase() === 'triggervalueformat') continue;
    const changes = /^(lists|streams|reclaimidlems|pubsub)$/i.test(key);
    const option = `extensions.redis.${key}`;
    const local = JSON.stringify(value);
    const azure = 'emulator-only: dropped';
    differences.push(
      changes
        ? { ...row(option, local, azure, 'differs'), difference: 'hostJsonOptions' }
        : row(option, local, azure, 'note'),
    );
  }
  hostJson['extensions'] = { ...others, redis: { triggerValueFormat: 'v1' } };
  return { hostJson, differences };
}

function row(option: string, local: string, azure: string, severity: Difference['severity']): Difference {
  return { function: 'host.json', option, local, azure, severity };
}
