import { get, request, type IncomingMessage } from 'node:http';
import pino from 'pino';
import { startAdminServer, type AdminServer, type AdminTarget } from '../../../src/host/admin-server';
import { Board } from '../../../src/host/board/board';
import { InvocationTap } from '../../../src/invoke/invocation-tap';
import { HostMetrics } from '../../../src/metrics/host-metrics';

// Stopping the host closes the admin server; a page left open must never keep the process alive.

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
