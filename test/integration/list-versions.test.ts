import type { Broker, ListPort } from '../../src/triggers/ports';
import { listFunction, listTestContext, type Model } from '../support/list-host';
import { uniquePrefix } from '../support/redis-server';

// The listener picks its pop by the version the port reports; here the port says the server is older,
// and the real commands of that version run against the real (7.x) server.
const { redis, start } = listTestContext();

function olderServer(version: string): (broker: Broker) => Broker {
  return (broker) => ({
    ports(connection) {
      const ports = broker.ports(connection);
      const lists = ports.lists as ListPort;
      const older: ListPort = Object.assign(Object.create(lists) as ListPort, {
        serverVersion: () => Promise.resolve(version),
      });
      return { ...ports, lists: older };
    },
    describe: () => broker.describe(),
    close: () => broker.close(),
  });
}

const values = (records: { input: unknown }[]): string[] => records.map((r) => (r.input as Model).Message);
const fill = (n: number): string[] => Array.from({ length: n }, (_, i) => `e${i}`);

describe('RedisListTrigger on older servers (version as reported by the port)', () => {
  it('6.2: LPOP with a count on the first key, full batches, one warning that other keys are ignored', async () => {
    const p = uniquePrefix('v62');
    await redis.rPush(`${p}a`, fill(12));
    await redis.rPush(`${p}b`, ['ignored']);
    const h = await start(
      {
        onJob: listFunction(`${p}a ${p}b`, () => undefined, { batchSize: 5, pollingIntervalInMs: 60_000 }),
      },
      { wrapBroker: olderServer('6.2.14') },
    );
    // 60 s between polls: 12 elements come only as full batches of 5, 5 and then 2.
    expect(values(await h.waitForInvocations(12))).toEqual(fill(12));
    const warnings = h.logs.filter((l) => l.msg.startsWith('Redis 6.2.14 has no LMPOP'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain(`pops with a count on one key; only '${p}a' is read`);
    expect(await redis.lRange(`${p}b`, 0, -1)).toEqual(['ignored']);
  });

  it('older than 6.2: single pops (pipelined up to the batch), from the right too', async () => {
    const key = `${uniquePrefix('v60')}jobs`;
    await redis.rPush(key, fill(7));
    const h = await start(
      {
        onJob: listFunction(key, () => undefined, {
          batchSize: 3,
          listDirection: 'right',
          pollingIntervalInMs: 60_000,
          concurrency: 1,
        }),
      },
      { wrapBroker: olderServer('6.0.20') },
    );
    expect(values(await h.waitForInvocations(7))).toEqual(fill(7).reverse());
    await h.waitForLog((l) => l.msg.includes('pops one element at a time'));
  });

  it('blocking mode before 7.0: BLPOP on the first key', async () => {
    const key = `${uniquePrefix('v62')}jobs`;
    const h = await start(
      { onJob: listFunction(key, () => undefined, { mode: 'blocking' }) },
      { wrapBroker: olderServer('6.2.0') },
    );
    await h.waitForLog((l) => l.msg.includes('(blocking, batch 10, pop-count)'));
    await redis.rPush(key, ['x', 'y']);
    expect(values(await h.waitForInvocations(2)).sort()).toEqual(['x', 'y']);
    const before = Date.now();
    await h.host.close();
    expect(Date.now() - before).toBeLessThan(1000);
  });

  it('reliable mode needs LMOVE (6.2): on an older server the host does not start', async () => {
    const key = `${uniquePrefix('v60')}jobs`;
    await expect(
      start(
        { onJob: listFunction(key, () => undefined, { reliable: true }) },
        { wrapBroker: olderServer('6.0.0') },
      ),
    ).rejects.toMatchObject({
      code: 'RF_BINDING_INVALID',
      message: expect.stringContaining('option "reliable" needs Redis >= 6.2 (LMOVE); the server is 6.0.0'),
    });
  });
});
