import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the admin API reads; a larger one ends the request. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A reply of the admin API: a status and a JSON body (a class, so it is never mistaken for parsed JSON). */
export class JsonReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}

  send(res: ServerResponse): void {
    sendJson(res, this.status, this.body);
  }
}

/** A `{ "error": ... }` reply. */
export function errorReply(status: number, error: string): JsonReply {
  return new JsonReply(status, { error });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A body past {@link MAX_BODY_BYTES}: answered with 413. */
export class BodyTooLargeError extends Error {
  constructor() {
    super(`The body is larger than ${MAX_BODY_BYTES} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/** Past this much, a too-large body is no longer read to its end: the connection is closed. */
const MAX_DISCARDED_BYTES = 64 * MAX_BODY_BYTES;

/**
 * The body as text. A body past MAX_BODY_BYTES rejects with BodyTooLargeError once it was read to its end
 * (discarded, so that the 413 reaches the client), or at once past MAX_DISCARDED_BYTES.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DISCARDED_BYTES) req.destroy(new BodyTooLargeError());
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(new BodyTooLargeError())
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** The body as a JSON object, or an error reply saying what it should look like. */
export async function readJsonObject(
  req: IncomingMessage,
  shape: string,
): Promise<Record<string, unknown> | JsonReply> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return errorReply(413, error.message);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return errorReply(400, `The body must be JSON like ${shape}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return errorReply(400, `The body must be a JSON object like ${shape}.`);
  return parsed as Record<string, unknown>;
}

/** The request's URL, or undefined when its target is not one (a raw request may send anything). */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}
