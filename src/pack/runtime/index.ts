/** What the shims of a packed app (`redis-func pack`) load from `redis-func/pack-runtime`. */
export { createShim, type ShimContext, type ShimFunction } from './shim';
export { fromV1Value, type LocalInvocationInput } from './values';
export { toV1Output } from './outputs';
export { MANIFEST_FILE, type PackManifest, type PackedTriggerType, type ShimSpec } from './spec';
