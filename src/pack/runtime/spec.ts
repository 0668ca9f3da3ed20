import type { TriggerValueFormat } from '../../config/host-json';

/** The 1.x trigger types a packed function has. */
export type PackedTriggerType = 'redisPubSubTrigger' | 'redisListTrigger' | 'redisStreamTrigger';

/** What each generated `<name>/index.js` passes to `createShim`. */
export interface ShimSpec {
  /** The function's name as the app registered it (several packed functions may share one). */
  readonly function: string;
  readonly triggerType: PackedTriggerType;
  /** The list or stream key this packed function reads (1.x takes one). */
  readonly key?: string;
  /** `many`: the handler expects an array (the batch); in Azure it gets an array of one. */
  readonly cardinality: 'one' | 'many';
}

/** `redis-func.pack.json` at the root of the packed app: what every shim needs to load the app. */
export interface PackManifest {
  readonly generatedBy: string;
  /** The app's entry files (package.json `main`, resolved), relative to the packed app's root. */
  readonly entryFiles: readonly string[];
  /** The value shape the app's handlers were written for (host.json `triggerValueFormat` of the app). */
  readonly valueFormat: TriggerValueFormat;
}

export const MANIFEST_FILE = 'redis-func.pack.json';
