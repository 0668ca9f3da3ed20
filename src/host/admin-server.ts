import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, ErrorCodes, errorMessage } from '../errors';
import type { Logger } from '../logging';
import type { InvocationRecord } from '../invoke/invoker';
import type { HostMetrics } from '../metrics/host-metrics';
import type { ResolvedFunction } from '../triggers/trigger';
import { isBoardAsset } from './board/board-assets';
import { boardAction, type ActionTarget } from './board/action-routes';
import { guardRequest } from './board/origin';
import { functionByEncodedName } from './function-by-name';
import { BodyTooLargeError, JsonReply, readBody, requestUrl, sendJson as send } from './http-json';

/** What the admin API serves: one host, or a group of instances. */
export interface AdminTarget extends ActionTarget {
  readonly state: string;
  readonly functions: readonly ResolvedFunction[];
  readonly metrics: HostMetrics | undefined;
  /** Listener sets running in this process (`--instances`). */
  readonly instanceCount: number;
  invoke(name: string, message: string): Promise<InvocationRecord>;
  describeConnections(): Promise<Record<string, string>>;
}

/** How long close() lets requests in progress finish before it cuts their connections. */
const CLOSE_GRACE_MS = 1000;

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The local admin API of `func start`, on loopback: run a function by hand
 * (`POST /admin/functions/<name>` with `{"input": "..."}`), list functions, host status.
 */
export interface AdminServerOptions {
  readonly port: number;
  /** Address to listen on; loopback by default. Any other address requires `masterKey`. */
  readonly bind?: string;
  /** Required on every call when bound to a non-loopback address (`x-functions-key`, or `?code=`). */
  readonly masterKey?: string;
  readonly version: string;
  /** The board (`GET /` and `/admin/board/...`); answers its own requests, false for others. */
  readonly board?: { route(req: IncomingMessage, res: ServerResponse): Promise<boolean> };
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

export async function startAdminServer(
  host: AdminTarget,
  options: AdminServerOptions,
  logger: Logger,
): Promise<AdminServer> {
  const bind = options.bind ?? '127.0.0.1';
  const key = isLoopback(bind) ? undefined : options.masterKey;
  if (!isLoopback(bind) && !key) {
    throw new ConfigError(
      ErrorCodes.CLI_USAGE,
      `The admin API may listen on ${bind} only with a master key: set the app setting '${MASTER_KEY_SETTING}'. ` +
        `Every call must then send it in the x-functions-key header.`,
      { field: '--bind' },
    );
  }
  const guard = { loopback: isLoopback(bind), bind, key };
  let closing = false;
  const server = createServer((req, res) => {
    // A page's request on a kept-alive connection after close() began (a live feed reconnecting, say)
    // would hold the server open: it is answered at once and its connection closed.
    if (closing) {
      res.shouldKeepAlive = false;
      return send(res, 503, { error: 'The host is stopping.' });
    }
    const url = requestUrl(req);
    if (!url) return send(res, 400, { error: `The request target '${req.url ?? ''}' is not a valid URL.` });
    // the page's own files hold no data: they load without the key (which the page then sends) and from
    // anywhere; everything else, reads included, is refused to another site's pages
    const asset = isBoardAsset(url.pathname);
    const refusal = guardRequest(req, asset ? { ...guard, key: undefined } : { ...guard, reads: true });
    if (refusal) return refusal.send(res);
    const board = options.board?.route(req, res) ?? Promise.resolve(false);
    const handled = board.then((done) =>
      done ? undefined : handle(host, options.version, req, res, logger),
    );
    handled.catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) return send(res, 413, { error: error.message });
      logger.error({ err: errorMessage(error) }, 'Admin API request failed');
      send(res, 500, { error: 'internal error' });
    });
  });
  await listen(server, options.port, bind);
  const actual = (server.address() as AddressInfo).port;
  const shown = bind.includes(':') ? `[${bind}]` : bind;
  logger.info(
    { port: actual, keyed: key !== undefined },
    `Admin API listening on http://${shown}:${actual}/admin/functions${key ? ' (x-functions-key required)' : ''}`,
  );
  return {
    port: actual,
    close: () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // connections still busy after a second (a slow request) are cut: stopping never hangs on a page
      setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      return closed;
    },
  };
}

export const MASTER_KEY_SETTING = 'FUNCTIONS_MASTER_KEY';

function listen(server: Server, port: number, bind: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => reject(listenError(error, port, bind));
    server.once('error', fail);
    server.listen(port, bind, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/**
 * Fails now, as `func start` does, when the admin port cannot be had: nothing has started yet, so
 * nothing is left half-running. The listener is closed again at once.
 */
export async function checkAdminPort(port: number, bind = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listen(probe, port, bind);
  await new Promise((resolve) => probe.close(resolve));
}

function listenError(error: NodeJS.ErrnoException, port: number, bind: string): ConfigError {
  const choose =
    `choose another port with --port N or with "Host": { "LocalHttpPort": N } in local.settings.json ` +
    `(--port 0 takes any free port)`;
  if (error.code === 'EADDRINUSE') {
    return new ConfigError(
      ErrorCodes.ADMIN_PORT_IN_USE,
      `Port ${port} on ${bind} (the admin API) is already in use, perhaps by another redis-func or func ` +
        `start. Stop that process, or ${choose}.`,
      { field: '--port', cause: error },
    );
  }
  return new ConfigError(
    ErrorCodes.ADMIN_LISTEN_FAILED,
    `The admin API cannot listen on ${bind}:${port}: ${error.message}. Check --bind, or ${choose}.`,
    { field: '--port', cause: error },
  );
}

async function handle(
  host: AdminTarget,
  version: string,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const action = await boardAction(host, req, url, logger);
  if (action) return action.send(res);
  const match = /^\/admin\/functions\/([^/]+)\/?$/.exec(url.pathname);
  if (req.method === 'POST' && match) {
    const fn = functionByEncodedName(host.functions, match[1] ?? '', url.pathname);
    if (fn instanceof JsonReply) return fn.send(res);
    const body = await readBody(req);
    let input: unknown;
    try {
      input = (JSON.parse(body) as { input?: unknown }).input;
    } catch {
      return send(res, 400, { error: 'The body must be JSON like {"input": "..."}.' });
    }
    if (input === undefined) return send(res, 400, { error: 'The body must be JSON like {"input": "..."}.' });
    void host.invoke(fn.name, typeof input === 'string' ? input : JSON.stringify(input));
    res.writeHead(202).end();
    return;
  }
  if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === '/admin/functions') {
    return send(
      res,
      200,
      host.functions.map((f) => ({
        name: f.name,
        trigger: f.triggerType,
        disabled: f.disabled,
        bindings: bindingsOf(f),
      })),
    );
  }
  if (req.method === 'GET' && url.pathname === '/metrics') {
    const { metrics } = host;
    if (!metrics) return send(res, 404, { error: 'This host keeps no metrics.' });
    res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.text());
    return;
  }
  if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === '/admin/host/status') {
    return send(res, 200, {
      state: host.state,
      version,
      functions: host.functions.map((f) => f.name),
      instances: host.instanceCount,
      connections: await host.describeConnections(),
    });
  }
  send(res, 404, { error: 'Not found' });
}

function bindingsOf(f: ResolvedFunction): unknown[] {
  const d = f.definition;
  return [d.trigger, ...d.extraInputs, ...d.extraOutputs, ...(d.returnBinding ? [d.returnBinding] : [])].map(
    (b) => ({
      name: b.name,
      type: b.type,
      direction: b.direction,
    }),
  );
}
