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

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The body as a JSON object, or an error reply saying what it should look like. */
export async function readJsonObject(
  req: IncomingMessage,
  shape: string,
): Promise<Record<string, unknown> | JsonReply> {
  const text = await readBody(req);
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
