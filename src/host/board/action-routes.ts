import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../../errors';
import type { Logger } from '../../logging';
import type { CommandPort } from '../../triggers/ports';
import type { ResolvedFunction } from '../../triggers/trigger';
import { functionByEncodedName } from '../function-by-name';
import { errorReply, JsonReply, readJsonObject } from '../http-json';
import { sendTestMessage } from './actions';
import { actOnDeadLetters, browseDeadLetters } from './dead-letters';

/** What the board's actions need of the host: its functions and a command connection for each. */
export interface ActionTarget {
  readonly functions: readonly ResolvedFunction[];
  /** The host's command port on the function's connection; undefined when no instance is running. */
  commandsFor(fn: ResolvedFunction): CommandPort | undefined;
}

const ROUTE =
  /^\/admin\/board\/functions\/([^/]+)\/(send|deadletters|deadletters\/requeue|deadletters\/purge)\/?$/;

/**
 * The board's actions on a function, or undefined when the path is not one of them:
 * `POST .../send`, `GET .../deadletters?count=N`, `POST .../deadletters/requeue`, `POST .../deadletters/purge`
 * (all under `/admin/board/functions/<name>/`).
 */
export async function boardAction(
  target: ActionTarget,
  req: IncomingMessage,
  url: URL,
  logger: Logger,
): Promise<JsonReply | undefined> {
  const match = ROUTE.exec(url.pathname);
  if (!match) return undefined;
  const action = match[2] ?? '';
  const method = action === 'deadletters' ? 'GET' : 'POST';
  if (req.method !== method) return errorReply(405, `Use ${method} for ${url.pathname}.`);
  const fn = functionByEncodedName(target.functions, match[1] ?? '', url.pathname);
  if (fn instanceof JsonReply) return fn;
  const commands = target.commandsFor(fn);
  if (!commands) return errorReply(503, 'No host instance is running to reach Redis.');
  try {
    return await runAction(fn, commands, action, req, url, logger);
  } catch (error) {
    // A Redis error (WRONGTYPE, unreachable, ...): the request failed upstream, the host goes on.
    logger.warn({ functionName: fn.name, action, err: errorMessage(error) }, 'Board action failed in Redis');
    return errorReply(502, `Redis: ${errorMessage(error)}`);
  }
}

async function runAction(
  fn: ResolvedFunction,
  commands: CommandPort,
  action: string,
  req: IncomingMessage,
  url: URL,
  logger: Logger,
): Promise<JsonReply> {
  if (action === 'deadletters') return browseDeadLetters(fn, commands, url.searchParams.get('count'));
  const shape =
    action === 'send' ? '{"message": "..."} or {"fields": {...}}' : '{"id": "..."} or {"all": true}';
  const body = await readJsonObject(req, shape);
  if (body instanceof JsonReply) return body;
  const reply =
    action === 'send'
      ? await sendTestMessage(fn, body, commands)
      : await actOnDeadLetters(fn, commands, action === 'deadletters/requeue' ? 'requeue' : 'purge', body);
  logAction(logger, fn.name, action, reply);
  return reply;
}

/** One line per action the board took on Redis (what it wrote or removed), so the console shows it too. */
function logAction(logger: Logger, functionName: string, action: string, reply: JsonReply): void {
  if (reply.status !== 200) return;
  const done = reply.body as Record<string, unknown>;
  if (action === 'send') {
    const { command, target } = done;
    logger.info(
      { functionName, command, target },
      `Board: ${String(command)} to '${String(target)}' for '${functionName}'`,
    );
    return;
  }
  const verb = action === 'deadletters/requeue' ? 'requeued' : 'purged';
  logger.info(
    { functionName, ...done },
    `Board: ${String(done[verb])} dead letter(s) of '${functionName}' ${verb}`,
  );
}
