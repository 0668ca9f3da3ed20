import { AZURE_DIFFERENCES } from './azure-differences';
import type { PackedFunction } from './types';

/** What holds for every function of a trigger type in Azure, whatever its options. */
export function generalNotes(functions: readonly PackedFunction[]): string[] {
  const types = new Set(functions.map((f) => f.shim.triggerType));
  const notes = [
    'Redis triggers run on a Premium or Dedicated plan (not Consumption); the extension comes from the extension bundle [4.*, 5.0.0).',
  ];
  if (types.has('redisListTrigger')) {
    notes.push(
      `Lists in Azure: ${AZURE_DIFFERENCES.listPolling.azure}; pops are destructive, so a failed invocation loses its element.`,
    );
  }
  if (types.has('redisStreamTrigger')) {
    notes.push(
      `Streams in Azure: ${AZURE_DIFFERENCES.streamAck.azure}; at shutdown, ${AZURE_DIFFERENCES.streamShutdown.azure}.`,
    );
  }
  if (functions.some((f) => f.name !== f.shim.function)) {
    notes.push(
      'Functions over several keys became one function per key; their AzureWebJobs.<name>.Disabled settings use the new names.',
    );
  }
  return notes;
}
