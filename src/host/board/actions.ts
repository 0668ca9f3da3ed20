import { globMatch, isLiteralPattern } from '../../testing/glob';
import { LIST_TRIGGER } from '../../triggers/list';
import type { ListTriggerOptions } from '../../triggers/list-options';
import type { CommandPort, ListEnd } from '../../triggers/ports';
import { PUBSUB_TRIGGER, type PubSubTriggerOptions } from '../../triggers/pubsub';
import { STREAM_TRIGGER } from '../../triggers/stream';
import type { StreamTriggerOptions } from '../../triggers/stream-options';
import type { ResolvedFunction } from '../../triggers/trigger';
import { errorReply, JsonReply } from '../http-json';

/** A command that writes a test message the way a function's trigger reads it. */
export interface SendCommand {
  readonly command: 'PUBLISH' | 'SPUBLISH' | 'LPUSH' | 'RPUSH' | 'XADD';
  readonly target: string;
  readonly args: readonly string[];
}

/**
 * The end of a list to push to so that an element queues behind the ones already waiting: the end the
 * trigger reaches last (it pops from `popFrom`).
 */
export function queueEnd(popFrom: ListEnd): ListEnd {
  return popFrom === 'left' ? 'right' : 'left';
}

/** LPUSH or RPUSH onto `end`. */
export function pushCommand(end: ListEnd): 'LPUSH' | 'RPUSH' {
  return end === 'left' ? 'LPUSH' : 'RPUSH';
}

/**
 * The command a `send` body asks for (`POST /admin/board/functions/<name>/send`), or why the body is wrong:
 * Pub/Sub `{message, channel?}`, list `{message, key?, end?}`, stream `{fields, key?}`.
 */
export function sendCommandFor(fn: ResolvedFunction, body: Record<string, unknown>): SendCommand | string {
  switch (fn.triggerType) {
    case PUBSUB_TRIGGER:
      return publishCommand(fn.options as PubSubTriggerOptions, body);
    case LIST_TRIGGER:
      return pushCommandFor(fn.options as ListTriggerOptions, body);
    case STREAM_TRIGGER:
      return xaddCommand(fn.options as StreamTriggerOptions, body);
    default:
      return `Function '${fn.name}' has a ${fn.triggerType} trigger: there is no message to send it.`;
  }
}

/** Runs a `send` request on the function's connection. */
export async function sendTestMessage(
  fn: ResolvedFunction,
  body: Record<string, unknown>,
  commands: CommandPort,
): Promise<JsonReply> {
  const command = sendCommandFor(fn, body);
  if (typeof command === 'string') return errorReply(400, command);
  const result = await commands.execute(command.args);
  return new JsonReply(200, { command: command.command, target: command.target, result });
}

/** A checked value, or why it is wrong. */
export type Checked<T> = { readonly value: T } | { readonly error: string };

/**
 * The channel to publish to: the function's own (also for a pattern without wildcards), or for a pattern
 * one given that matches it.
 */
export function channelFor(options: PubSubTriggerOptions, channel: unknown): Checked<string> {
  if (channel !== undefined && typeof channel !== 'string') return { error: '"channel" must be a string.' };
  const subscribed = options.channel;
  if (options.pattern) {
    if (channel === undefined && isLiteralPattern(subscribed)) return { value: subscribed };
    if (channel === undefined || channel === '')
      return { error: `"channel" is required: the function subscribes to the pattern '${subscribed}'.` };
    if (!globMatch(subscribed, channel))
      return { error: `"channel" '${channel}' does not match the function's pattern '${subscribed}'.` };
    return { value: channel };
  }
  if (channel !== undefined && channel !== subscribed)
    return { error: `"channel" '${channel}' is not the function's channel '${subscribed}'.` };
  return { value: subscribed };
}

/** The key given (it must be one of the function's keys), else the function's first key. */
export function keyFor(keys: readonly string[], given: unknown): Checked<string> {
  if (given === undefined)
    return keys[0] === undefined ? { error: 'The function has no keys.' } : { value: keys[0] };
  if (typeof given !== 'string') return { error: '"key" must be a string.' };
  if (!keys.includes(given)) {
    const names = keys.map((k) => `'${k}'`).join(', ');
    return { error: `"key" '${given}' is not a key of the function (its keys: ${names}).` };
  }
  return { value: given };
}

const MESSAGE_REQUIRED = '"message" must be a string, e.g. {"message": "hello"}.';

function publishCommand(options: PubSubTriggerOptions, body: Record<string, unknown>): SendCommand | string {
  const message = body['message'];
  if (typeof message !== 'string') return MESSAGE_REQUIRED;
  const channel = channelFor(options, body['channel']);
  if ('error' in channel) return channel.error;
  const command = options.sharded ? 'SPUBLISH' : 'PUBLISH';
  return { command, target: channel.value, args: [command, channel.value, message] };
}

function pushCommandFor(options: ListTriggerOptions, body: Record<string, unknown>): SendCommand | string {
  const message = body['message'];
  if (typeof message !== 'string') return MESSAGE_REQUIRED;
  const key = keyFor(options.keys, body['key']);
  if ('error' in key) return key.error;
  const end = body['end'] ?? queueEnd(options.direction);
  if (end !== 'left' && end !== 'right') return '"end" must be "left" or "right".';
  const command = pushCommand(end);
  return { command, target: key.value, args: [command, key.value, message] };
}

function xaddCommand(options: StreamTriggerOptions, body: Record<string, unknown>): SendCommand | string {
  const fields = body['fields'];
  const shape = 'e.g. {"fields": {"name": "value"}}';
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    return `"fields" must be an object of field names and values, ${shape}.`;
  const entries = Object.entries(fields as Record<string, unknown>);
  if (entries.length === 0) return `"fields" must name at least one field, ${shape}.`;
  const args: string[] = [];
  for (const [name, value] of entries) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return `"fields"."${name}" must be a string (or a number or boolean), ${shape}.`;
    args.push(name, String(value));
  }
  const key = keyFor(options.keys, body['key']);
  if ('error' in key) return key.error;
  return { command: 'XADD', target: key.value, args: ['XADD', key.value, '*', ...args] };
}
