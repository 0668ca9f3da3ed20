/**
 * The commands the 1.x extension's `redis` input binding runs (RedisAsyncConverter's single-output read
 * commands), matched as it matches them: the first word of the command, exactly, in capitals.
 */
export const INPUT_COMMANDS: ReadonlySet<string> = new Set([
  'BITCOUNT',
  'BITPOS',
  'DBSIZE',
  'DUMP',
  'EXISTS',
  'EXPIRETIME',
  'GEODIST',
  'GET',
  'GETBIT',
  'GETRANGE',
  'HEXISTS',
  'HGET',
  'HLEN',
  'HSTRLEN',
  'LINDEX',
  'LLEN',
  'PEXPIRETIME',
  'PFCOUNT',
  'PTTL',
  'RANDOMKEY',
  'SCARD',
  'SINTERCARD',
  'SISMEMBER',
  'STRLEN',
  'SUBSTR',
  'TOUCH',
  'TTL',
  'TYPE',
  'XLEN',
  'ZCARD',
  'ZCOUNT',
  'ZDIFF',
  'ZINTERCARD',
  'ZLEXCOUNT',
  'ZSCORE',
]);

export function isInputCommand(word: string): boolean {
  return INPUT_COMMANDS.has(word);
}

/** The 1.x extension's error for any other command, and which ones it takes. */
export function unsupportedInputCommand(word: string): string {
  return (
    `Command '${word}' not supported for Redis Input Binding. The input binding runs one of these read ` +
    `commands, written in capitals: ${[...INPUT_COMMANDS].join(', ')}`
  );
}
