import { Socket } from 'node:net';
import pino from 'pino';
import { EMPTY_LOCAL_SETTINGS } from '../../src/config/local-settings';
import { Settings } from '../../src/config/settings';
import { RedisBroker } from '../../src/redis/redis-broker';
import { RedisConnections } from '../../src/redis/connections';
import type { BrokerPorts } from '../../src/triggers/ports';
import { redisUrl, uniquePrefix } from '../support/redis-server';

let connections: RedisConnections;
let ports: BrokerPorts;

beforeAll(() => {
  connections = new RedisConnections({
    settings: new Settings(EMPTY_LOCAL_SETTINGS, { Redis: redisUrl() }),
    logger: pino({ level: 'silent' }),
    embeddedDefault: false,
  });
  ports = new RedisBroker(connections).ports('Redis');
});
afterAll(() => connections.close());
afterEach(() => jest.restoreAllMocks());

/** The commands written to any socket from now on (RESP as text). */
function watchWrites(): string[] {
  const written: string[] = [];
  const write = Socket.prototype.write;
  jest.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    written.push(String(args[0]));
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  });
  return written;
}

/**
 * What a polling loop relies on before it runs a batch that never yields: once sendOff resolves, the fetch
 * it sent ahead has been written to the socket (so Redis works on it while the batch runs).
 */
describe('BrokerPorts.sendOff on Redis', () => {
  it('resolves after a polling fetch (LMPOP, reliable move, XREADGROUP) was written', async () => {
    const p = uniquePrefix('sendoff');
    const lists = ports.lists!;
    const streams = ports.streams!;
    await streams.createGroup(`${p}s`, 'g', '0');
    await lists.pop({ keys: [`${p}l`], from: 'left', count: 10, command: 'lmpop', reader: 'r' });
    const fetches: [string, () => Promise<unknown>][] = [
      ['LMPOP', () => lists.pop({ keys: [`${p}l`], from: 'left', count: 10, command: 'lmpop', reader: 'r' })],
      ['EVAL', () => lists.moveToProcessing({ keys: [`${p}r`], owner: 'o', from: 'left', count: 10 })],
      ['XREADGROUP', () => streams.readGroup({ keys: [`${p}s`], group: 'g', consumer: 'c', count: 10 })],
    ];
    for (const [command, fetch] of fetches) {
      const written = watchWrites();
      const fetched = fetch();
      await ports.sendOff?.('polling');
      const sent = written.some((w) => w.includes(command));
      jest.restoreAllMocks();
      await fetched;
      expect([command, sent]).toEqual([command, true]);
    }
  });
});
