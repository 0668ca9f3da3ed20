import pino from 'pino';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { RedisConnections } from '../../src/redis/connections';
import { startEmbeddedRedis } from '../../src/redis/embedded-server';
import { RedisBroker } from '../../src/redis/redis-broker';
import { waitFor } from '../support/list-host';

// The board shows a function as `reconnecting` while the connection its trigger uses is lost.
it('names a connection setting as reconnecting while its server is gone, and not once it is back', async () => {
  let server = await startEmbeddedRedis();
  const { port } = server;
  const connections = new RedisConnections({
    settings: new Settings(EMPTY_LOCAL_SETTINGS, { R: server.url, Other: server.url }),
    logger: pino({ level: 'silent' }),
    embeddedDefault: false,
  });
  const broker = new RedisBroker(connections);
  try {
    expect(await broker.ports('R').scale?.listBacklog(['k'])).toBe(0); // connects R only
    expect(await broker.reconnecting()).toEqual([]);

    await server.stop();
    await waitFor(async () => (await broker.reconnecting()).length > 0, 'reconnecting');
    expect(await broker.reconnecting()).toEqual(['R']);

    server = await startEmbeddedRedis({ port });
    await waitFor(async () => (await broker.reconnecting()).length === 0, 'reconnected');
    expect(await broker.ports('R').scale?.listBacklog(['k'])).toBe(0);
  } finally {
    await broker.close();
    await server.stop();
  }
});
