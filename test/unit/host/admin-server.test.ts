import { get, request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import pino from 'pino';
import { startAdminServer, type AdminServer, type AdminTarget } from '../../../src/host/admin-server';
import { Board } from '../../../src/host/board/board';
import { InvocationTap } from '../../../src/invoke/invocation-tap';
import { HostMetrics } from '../../../src/metrics/host-metrics';
import type { ResolvedFunction } from '../../../src/triggers/trigger';
import { adminRequest } from '../../support/admin-http';

const never = new Promise<never>(() => undefined);
const target: AdminTarget = {
  state: 'running',
  functions: [],
  metrics: undefined,
  instanceCount: 1,
  invoke: () => never,
  describeConnections: () => never, // GET /admin/host/status stays in progress
  commandsFor: () => undefined,
};

function open(path: string, port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get({ port, path }, resolve).on('error', reject));
}

async function startWithBoard(): Promise<AdminServer> {
  const metrics = new HostMetrics();
  const board = new Board({ target, metrics, tap: new InvocationTap(), version: 'test' });
  return startAdminServer(target, { port: 0, version: 'test', board }, pino({ level: 'silent' }));
}

// Stopping the host closes the admin server; a page left open must never keep the process alive.
describe('closing the admin server', () => {
  it('ends while a live feed stream is still open (its connection is cut after the grace)', async () => {
    const server = await startWithBoard();
    const feed = await open('/admin/board/events', server.port);
    expect(feed.headers['content-type']).toMatch(/^text\/event-stream/);
    const ended = new Promise((resolve) => feed.on('close', resolve));
    await server.close(); // before the fix: never resolved
    await ended;
  });

  it('ends while a request is still in progress', async () => {
    const server = await startWithBoard();
    const failed = new Promise<unknown>((resolve) => {
      const req = request({ port: server.port, path: '/admin/host/status' }, () => resolve('answered'));
      req.on('error', resolve);
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the request reaches the server
    await server.close();
    expect(await failed).toMatchObject({ code: 'ECONNRESET' });
  });
});

/** Sends `raw` as it is over a socket and resolves with the reply's status line. */
function rawStatus(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

describe('requests the admin server refuses', () => {
  it('answers a request target that is no URL with 400, and keeps serving', async () => {
    const server = await startWithBoard();
    try {
      const status = await rawStatus(server.port, 'GET http://x:abc/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(status).toBe('HTTP/1.1 400 Bad Request');
      const page = await open('/', server.port);
      expect(page.statusCode).toBe(200);
      page.resume();
    } finally {
      await server.close();
    }
  });

  it("refuses another site's page a read of the live feed or the state, not the page itself", async () => {
    const server = await startWithBoard();
    const read = (path: string, headers: Record<string, string>): Promise<number | undefined> =>
      new Promise((resolve, reject) =>
        get({ port: server.port, path, headers }, (res) => {
          res.destroy();
          resolve(res.statusCode);
        }).on('error', reject),
      );
    try {
      const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' };
      expect(await read('/admin/board/events', crossSite)).toBe(403);
      expect(await read('/admin/board/state', { origin: 'http://evil.example' })).toBe(403);
      expect(await read('/', { 'sec-fetch-site': 'cross-site' })).toBe(200);
      expect(await read('/admin/board/state', { 'sec-fetch-site': 'same-origin' })).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a function named in the path', () => {
  // invoking it answers 202 (the invocation never ends here); the board's send answers 503 (no instance)
  const named: AdminTarget = { ...target, functions: [{ name: 'On Order' } as ResolvedFunction] };
  const paths = (encoded: string) => [
    `/admin/functions/${encoded}`,
    `/admin/board/functions/${encoded}/send`,
  ];

  it('is found by its URL-encoded name, or answered alike by the invoke and board routes', async () => {
    const server = await startAdminServer(named, { port: 0, version: 'test' }, pino({ level: 'silent' }));
    const post = (path: string) => adminRequest(server.port, 'POST', path, { body: { input: 'x' } });
    try {
      const [invoke, send] = paths('on%20ORDER');
      expect((await post(invoke ?? '')).status).toBe(202);
      expect((await post(send ?? '')).status).toBe(503);
      for (const path of paths('%E0%A4%A')) {
        const error = `The function name in ${path} is not valid URL encoding.`;
        expect(await post(path)).toEqual({ status: 400, body: { error } });
      }
      for (const path of paths('no%20such')) {
        expect(await post(path)).toEqual({ status: 404, body: { error: "No function named 'no such'." } });
      }
    } finally {
      await server.close();
    }
  });
});
