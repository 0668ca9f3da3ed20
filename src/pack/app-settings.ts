import type { NeededSetting, PackedFunction } from './types';

/** The app settings the deployment needs, by name: Functions' own, connections, `%Setting%` references. */
export function neededSettings(functions: readonly PackedFunction[]): NeededSetting[] {
  const settings = new Map<string, string>([
    ['FUNCTIONS_WORKER_RUNTIME', 'node'],
    ['FUNCTIONS_EXTENSION_VERSION', '~4'],
    ['AzureWebJobsStorage', 'the storage account the Functions host needs'],
  ]);
  for (const fn of functions) {
    for (const binding of bindingsOf(fn)) {
      const connection = binding['connection'];
      if (typeof connection === 'string') {
        settings.set(
          connection,
          'Redis connection string, e.g. <name>.<region>.redis.azure.net:10000,password=...,ssl=True,abortConnect=False',
        );
      }
      for (const value of Object.values(binding)) {
        if (typeof value !== 'string') continue;
        for (const [, name = ''] of value.matchAll(/%([^%]+)%/g)) {
          if (!settings.has(name)) settings.set(name, `referenced as %${name}% by ${fn.name}`);
        }
      }
    }
  }
  return [...settings].map(([name, purpose]) => ({ name, purpose }));
}

function bindingsOf(fn: PackedFunction): Record<string, unknown>[] {
  const bindings = fn.functionJson['bindings'];
  return Array.isArray(bindings) ? (bindings as Record<string, unknown>[]) : [];
}
