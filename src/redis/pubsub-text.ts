// The module's own binding: the global `Buffer` is an accessor, read anew at each use.
import { Buffer } from 'node:buffer';

/**
 * The strings of a Pub/Sub message, from what node-redis hands a listener subscribed in buffer mode: the
 * same strings a listener in string mode gets (UTF-8, as node-redis decodes them), made with fewer
 * conversions. In string mode node-redis decodes every message's channel on a pattern subscription, and
 * its pattern too (to find the listeners): three conversions per message. In buffer mode it decodes only
 * the pattern (or channel) it looks the listeners up by, and the listener decodes the rest: the message,
 * and the channel only when its bytes are not those of the message before (most messages of a
 * subscription come on one channel) or, on an exact subscription, not at all.
 */
export class MessageText {
  /** The last message decoded and its text: node-redis hands every listener of a channel the same Buffer. */
  #message: unknown = undefined;
  #text = '';

  /** A message's text. node-redis hands a Buffer (an array or null on `__redis__:invalidate`). */
  of(message: unknown): string {
    if (message === this.#message) return this.#text;
    const text = message instanceof Buffer ? message.toString() : String(message);
    this.#message = message;
    this.#text = text;
    return text;
  }
}

/** A subscription's channels as text (see MessageText). */
export class ChannelText {
  /** The channel of the message before and its text, or undefined: compared by its bytes. */
  #channel: Buffer | undefined = undefined;
  #text = '';
  /** The channel's text when it is known without looking (an exact subscription). */
  readonly #known: string | undefined;

  /**
   * `exactChannel`: the channel of an exact subscription (SUBSCRIBE, SSUBSCRIBE), whose messages all come
   * on it; its text is used as it is when it survives UTF-8 unchanged (when not, the bytes are decoded).
   */
  constructor(exactChannel?: string) {
    this.#known =
      exactChannel !== undefined && Buffer.from(exactChannel).toString() === exactChannel
        ? exactChannel
        : undefined;
  }

  /** A message's channel as text. */
  of(channel: unknown): string {
    if (this.#known !== undefined) return this.#known;
    if (!(channel instanceof Buffer)) return String(channel);
    const last = this.#channel;
    if (last !== undefined && sameBytes(last, channel)) return this.#text;
    // Keeps a view of the read it came in (at most one socket read's bytes) until the channel changes.
    this.#channel = channel;
    this.#text = channel.toString();
    return this.#text;
  }
}

/** Compared in JavaScript: for a channel's few bytes, cheaper than a call into Buffer.equals. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  const length = a.length;
  if (b.length !== length) return false;
  for (let i = length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
