import { IDENTITY_SETTINGS, readIdentity } from '../config/identity-settings';
import type { Settings } from '../config/settings';
import type { NeededSetting, PackedFunction } from './types';

const IDENTITY_PURPOSES: Readonly<Record<(typeof IDENTITY_SETTINGS)[number], string>> = {
  redisHostName: 'the cache host name (Microsoft Entra ID connection), e.g. <name>.<region>.redis.azure.net',
  principalId: 'object (principal) id of the identity: the Redis user (give it a data access policy)',
  clientId: 'client id of the user-assigned managed identity or service principal',
  tenantId: 'tenant of the service principal',
  clientSecret: 'secret of the service principal (local development only in the 1.x extension)',
  credential: 'which credential to use (managedidentity, workloadidentity)',
  managedIdentityClientId: 'client id of the user-assigned managed identity',
  managedIdentityResourceId: 'resource id of the user-assigned managed identity',
  tokenFilePath: 'the federated token file of the workload identity',
};

/**
 * The app settings the deployment needs, by name: Functions' own, connections, `%Setting%` references. A
 * connection that is identity-based in `settings` (local run) lists the names of its identity settings.
 */
export function neededSettings(functions: readonly PackedFunction[], settings?: Settings): NeededSetting[] {
  const needed = new Map<string, string>([
    ['FUNCTIONS_WORKER_RUNTIME', 'node'],
    ['FUNCTIONS_EXTENSION_VERSION', '~4'],
    ['AzureWebJobsStorage', 'the storage account the Functions host needs'],
  ]);
  for (const fn of functions) {
    for (const binding of bindingsOf(fn)) {
      const connection = binding['connection'];
      const identity = typeof connection === 'string' ? identityOf(connection, settings) : undefined;
      if (identity) {
        for (const [name, purpose] of identity) needed.set(name, purpose);
      } else if (typeof connection === 'string') {
        needed.set(
          connection,
          'Redis connection string, e.g. <name>.<region>.redis.azure.net:10000,password=...,ssl=True,abortConnect=False',
        );
      }
      for (const value of Object.values(binding)) {
        if (typeof value !== 'string') continue;
        for (const [, name = ''] of value.matchAll(/%([^%]+)%/g)) {
          if (!needed.has(name)) needed.set(name, `referenced as %${name}% by ${fn.name}`);
        }
      }
    }
  }
  return [...needed].map(([name, purpose]) => ({ name, purpose }));
}

/** The identity settings a connection uses locally, as `<section>__<name>` app setting names. */
function identityOf(connection: string, settings: Settings | undefined): [string, string][] | undefined {
  if (!settings) return undefined;
  const lookup = settings.lookupConnection(connection);
  if (lookup.value !== undefined || !readIdentity(lookup)) return undefined;
  const section = (lookup.section ?? connection).replace(/:/g, '__');
  const present = new Set(lookup.children.map((c) => c.child.toLowerCase()));
  return IDENTITY_SETTINGS.filter(
    (name) => name === 'redisHostName' || name === 'principalId' || present.has(name.toLowerCase()),
  ).map((name) => [`${section}__${name}`, IDENTITY_PURPOSES[name]]);
}

function bindingsOf(fn: PackedFunction): Record<string, unknown>[] {
  const bindings = fn.functionJson['bindings'];
  return Array.isArray(bindings) ? (bindings as Record<string, unknown>[]) : [];
}
