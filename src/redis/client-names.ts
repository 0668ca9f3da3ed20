import type { ConnectionUsers } from './connection-users';

/** The CLIENT SETNAME prefix of the extension (`AzureFunctionsRedisExtension.<function>`). */
export const CLIENT_NAME_PREFIX = 'AzureFunctionsRedisExtension.';

/**
 * The CLIENT SETNAME of a connection: `AzureFunctionsRedisExtension.<function>` for a connection of one
 * function (its blocking reads, or a shared connection only one function uses), else
 * `AzureFunctionsRedisExtension.shared.<setting>` for a connection several functions share.
 */
export function clientName(
  users: ConnectionUsers | undefined,
  settingName: string,
  role: 'command' | 'pubsub',
  functionName?: string,
): string {
  const list = role === 'pubsub' ? users?.pubsub : users?.functions;
  const only = functionName ?? (list?.length === 1 ? list[0] : undefined);
  return CLIENT_NAME_PREFIX + (only ?? `shared.${settingName}`).replace(/[^!-~]/g, '_');
}
