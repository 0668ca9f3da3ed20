import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';

/**
 * Streams and reliable lists lose nothing through Redis restarts and killed connections: every message
 * the producer got an acknowledgement for is handled (at least once), and nothing is left pending.
 */
let server: EmbeddedRedis;
let dir: string;
let host: HostUnderTest | undefined;
let producer: ReturnType<typeof createClient>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
const persistent = (): string[] => [
  '--appendonly',
  'yes',
  '--appendfsync',
  'always',
  '--dir',
  dir,
  '--enable-debug-command',
  'yes',
];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rf-faults-'));
  server = await startEmbeddedRedis({ args: persistent() });
  producer = createClient({ url: server.url, socket: { reconnectStrategy: 50 } });
  producer.on('error', () => undefined);
  await producer.connect();
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await host?.host.close();
  host = undefined;
  producer.destroy();
  await server.stop();
  expect(unhandled).toEqual([]);
});

async function restartRedis(): Promise<number> {
  const port = server.port;
  await server.stop();
  const down = Date.now();
  server = await startEmbeddedRedis({ port, args: persistent() });
  return down;
}

/** Sends `count` messages one by one, running `fault` halfway; returns what Redis acknowledged. */
async function sendWithFault(
  count: number,
  send: (i: number) => Promise<string>,
  fault: () => Promise<void>,
): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === count / 2) await fault();
    try {
      sent.push(await send(i));
    } catch {
      // not acknowledged (the connection dropped mid-command): not counted as sent
    }
  }
  return sent;
}

const handledMessages = (): Set<string> =>
  new Set(
    host?.records
      .filter((r) => r.status === 'succeeded')
      .map((r) => (r.input as { Message: string }).Message),
  );

async function allHandled(sent: readonly string[]): Promise<void> {
  await host?.until(() => (sent.every((m) => handledMessages().has(m)) ? true : undefined));
}

const streamFn = {
  trigger: trigger.generic({
    type: 'redisStreamTrigger',
    connection: 'RedisConnectionString',
    key: 'faults:s',
    pollingIntervalInMs: 20,
    reclaimIdleMs: 1000,
  }),
  handler: (() => undefined) as never,
};
const listFn = {
  trigger: trigger.generic({
    type: 'redisListTrigger',
    connection: 'RedisConnectionString',
    key: 'faults:l',
    pollingIntervalInMs: 20,
    reliable: true,
    heartbeatTimeoutMs: 1000,
  }),
  handler: (() => undefined) as never,
};

describe('faults: nothing acknowledged is lost', () => {
  it('streams survive a Redis restart under load and recover within 5 s', async () => {
    host = await hostOnRedis({ s: streamFn }, { url: server.url });
    let down = 0;
    const sent = await sendWithFault(
      400,
      (i) => producer.xAdd('faults:s', '*', { n: String(i) }).then(() => `{"n":"${i}"}`),
      async () => {
        down = await restartRedis();
      },
    );
    await allHandled(sent);
    const back = await host.waitForLog((l) => l.msg.includes('is back') || l.msg.includes('recovered'));
    expect(Number(back['time']) - down).toBeLessThan(5000);
    // An XACK lost with the restart leaves its entry pending: it is reclaimed and acked after reclaimIdleMs.
    const pending = async (): Promise<number> => Number((await producer.xInfoGroups('faults:s'))[0]?.pending);
    for (let i = 0; i < 100 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
  });

  it('streams survive their connections being killed (CLIENT KILL) under load', async () => {
    host = await hostOnRedis({ s: streamFn }, { url: server.url });
    const sent = await sendWithFault(
      400,
      (i) => producer.xAdd('faults:s', '*', { n: String(i) }).then(() => `{"n":"${i}"}`),
      async () => {
        await producer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
      },
    );
    await allHandled(sent);
  });

  it('reliable lists survive a Redis restart under load', async () => {
    host = await hostOnRedis({ l: listFn }, { url: server.url });
    const sent = await sendWithFault(
      400,
      (i) => producer.rPush('faults:l', `m${i}`).then(() => `m${i}`),
      async () => {
        await restartRedis();
      },
    );
    await allHandled(sent);
  });

  it('reliable lists survive a stalled server (DEBUG SLEEP) and killed connections', async () => {
    host = await hostOnRedis({ l: listFn }, { url: server.url });
    const sent = await sendWithFault(
      400,
      (i) => producer.rPush('faults:l', `m${i}`).then(() => `m${i}`),
      async () => {
        await producer.sendCommand(['DEBUG', 'SLEEP', '0.5']);
        await producer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
      },
    );
    await allHandled(sent);
  });
});
