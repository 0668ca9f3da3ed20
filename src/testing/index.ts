/** redis-func/testing: unit-test handlers on an in-memory Redis with the production listeners and invoker. */
export { createTestHost, TestHost, type TestHostOptions } from './test-host';
export { MemoryBroker } from './memory-broker';
export type { PendingEntryInfo } from './memory-streams';
export type { StreamEntry } from '../triggers/ports';
export { globMatch } from './glob';
export type { InvocationRecord } from '../invoke/invoker';
