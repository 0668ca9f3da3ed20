import { trigger } from '@azure/functions';
import pino from 'pino';
import { startAdminServer, type AdminServer } from '../../src/host/admin-server';
import { adminRequest } from '../support/admin-http';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisForSuite } from '../support/redis-for-suite';
import { uniquePrefix } from '../support/redis-server';

const { redis } = redisForSuite();

const p = uniquePrefix('admin-guard');
let h: HostUnderTest;
let loopback: AdminServer;
let keyed: AdminServer;
beforeAll(async () => {
  h = await hostOnRedis({
    onList: {
      trigger: trigger.generic({
        type: 'redisListTrigger',
        connection: 'RedisConnectionString',
        keys: `${p}l`,
        pollingIntervalInMs: 60_000,
      }),
      handler: (() => 1) as never,
    },
  });
  const logger = pino({ level: 'silent' });
  loopback = await startAdminServer(h.host, { port: 0, version: 'test' }, logger);
  keyed = await startAdminServer(
    h.host,
    { port: 0, bind: '0.0.0.0', masterKey: 'k3y', version: 'test' },
    logger,
  );
});
afterAll(async () => {
  await loopback.close();
  await keyed.close();
  await h.host.close();
});

const send = { message: 'guarded' };
const sendPath = '/admin/board/functions/onList/send';
const errorOf = (reply: { body: unknown }) => (reply.body as { error: string }).error;

describe('admin API request guard', () => {
  it('refuses a cross-origin POST (Origin of another site, Sec-Fetch-Site cross-site or same-site) with 403', async () => {
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: `http://localhost:${loopback.port}` }, // another origin than the Host the request names
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of refused) {
      const reply = await adminRequest(loopback.port, 'POST', sendPath, { body: send, headers });
      expect(reply.status).toBe(403);
      expect(errorOf(reply)).toContain('Cross-origin requests are refused');
    }
    const invoke = await adminRequest(loopback.port, 'POST', '/admin/functions/onList', {
      body: { input: 'x' },
      headers: { origin: 'http://evil.example' },
    });
    expect(invoke.status).toBe(403);
    expect(await redis.lLen(`${p}l`)).toBe(0); // the function polls every minute: pushed elements would wait
    expect(h.records).toEqual([]);
  });

  it('accepts a same-origin POST and one without Origin (curl)', async () => {
    const sameOrigin = { origin: `http://127.0.0.1:${loopback.port}`, 'sec-fetch-site': 'same-origin' };
    const first = await adminRequest(loopback.port, 'POST', sendPath, { body: send, headers: sameOrigin });
    expect(first).toEqual({ status: 200, body: { command: 'RPUSH', target: `${p}l`, result: 1 } });
    const second = await adminRequest(loopback.port, 'POST', sendPath, { body: send });
    expect(second.body).toMatchObject({ result: 2 });
    expect(await redis.lRange(`${p}l`, 0, -1)).toEqual(['guarded', 'guarded']);
  });

  it('on loopback, refuses every request whose Host is not a loopback name (DNS rebinding)', async () => {
    for (const method of ['GET', 'POST']) {
      const reply = await adminRequest(loopback.port, method, '/admin/functions', {
        headers: { host: 'evil.example' },
      });
      expect(reply.status).toBe(403);
      expect(errorOf(reply)).toContain("got 'evil.example'");
    }
    for (const host of [
      `localhost:${loopback.port}`,
      `[::1]:${loopback.port}`,
      `127.0.0.1:${loopback.port}`,
    ]) {
      expect(
        (await adminRequest(loopback.port, 'GET', '/admin/functions', { headers: { host } })).status,
      ).toBe(200);
    }
  });

  it('off loopback, takes the master key in x-functions-key or ?code=', async () => {
    const list = (path: string, headers: Record<string, string> = {}) =>
      adminRequest(keyed.port, 'GET', path, { headers });
    expect((await list('/admin/functions')).status).toBe(401);
    expect((await list('/admin/functions?code=wrong')).status).toBe(401);
    expect((await list('/admin/functions?code=k3y')).status).toBe(200);
    expect((await list('/admin/functions', { 'x-functions-key': 'k3y' })).status).toBe(200);
    expect(
      (await list('/admin/functions', { host: 'redis-func.example:8080', 'x-functions-key': 'k3y' })).status,
    ).toBe(200);
    const crossSite = await adminRequest(keyed.port, 'POST', `${sendPath}?code=k3y`, {
      body: send,
      headers: { origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(await redis.lLen(`${p}l`)).toBe(2);
  });
});
