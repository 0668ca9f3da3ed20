import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorReply, type JsonReply } from '../http-json';

/** How the admin server was bound, for {@link guardRequest}. */
export interface RequestGuard {
  /** Bound to a loopback address: only loopback Host names are answered (DNS-rebinding guard). */
  readonly loopback: boolean;
  /** The address listened on, also accepted as a Host name. */
  readonly bind: string;
  /** Off loopback, the master key every call must send (`x-functions-key`, or `?code=`). */
  readonly key: string | undefined;
  /** Refuse cross-origin reads (GET, HEAD) too: another site's page must not even open the live feed. */
  readonly reads?: boolean;
}

/**
 * Why a request is refused, or undefined when it may go on. Every request: on loopback, a Host header
 * naming something other than a loopback address is refused (a page of another site that a DNS
 * rebinding pointed at 127.0.0.1); off loopback, the master key is required. Every request that can
 * change something (not GET or HEAD): refused when the browser says it comes from another origin
 * (`Origin` other than `http://<Host>`, or `Sec-Fetch-Site: cross-site`/`same-site`). A request without
 * these headers (curl, scripts) is not a browser's cross-origin request and goes on.
 */
export function guardRequest(req: IncomingMessage, guard: RequestGuard): JsonReply | undefined {
  const host = req.headers.host;
  if (guard.loopback && !isLoopbackHost(host, guard.bind)) {
    return errorReply(
      403,
      `The admin API listens on loopback and answers only to a loopback Host header (localhost, 127.0.0.1, [::1]); ` +
        `got ${host === undefined ? 'none' : `'${host}'`}.`,
    );
  }
  if (guard.reads || (req.method !== 'GET' && req.method !== 'HEAD')) {
    const refusal = crossOrigin(req, host);
    if (refusal) return errorReply(403, refusal);
  }
  if (guard.key !== undefined) {
    const given = req.headers['x-functions-key'] ?? codeParameter(req.url);
    if (!keyMatches(given, guard.key))
      return errorReply(401, 'A valid x-functions-key header (or code query parameter) is required.');
  }
  return undefined;
}

/** The name in a Host header (`name:port`, `[v6]:port`), lower case, without brackets or port. */
export function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return (bracketed[1] ?? '').toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase();
}

/** Whether a Host header names this machine's loopback (or the address the server is bound to). */
export function isLoopbackHost(host: string | undefined, bind: string): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host);
  const bound = bind.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || name === bound;
}

/** Why a request is cross-origin, or undefined when it is not (or does not say). */
export function crossOrigin(req: IncomingMessage, host: string | undefined): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    return `Cross-origin requests are refused (Sec-Fetch-Site: ${site}).`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (host === undefined || origin.toLowerCase() !== `http://${host}`.toLowerCase())
    return `Cross-origin requests are refused (Origin ${origin} is not http://${host ?? '<no Host>'}).`;
  return undefined;
}

/** The `code` query parameter (the key, as the Functions host accepts it; EventSource cannot send headers). */
function codeParameter(path: string | undefined): string | undefined {
  try {
    return new URL(path ?? '/', 'http://localhost').searchParams.get('code') ?? undefined;
  } catch {
    return undefined;
  }
}

function keyMatches(given: string | string[] | undefined, key: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}
