import { trigger } from '@azure/functions';
import { createClient } from 'redis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';

// Each test owns its redis-server: these tests restart, stall and cut off the server's clients.
const DEBUG = ['--enable-debug-command', 'yes'];
let server: EmbeddedRedis;
let host: HostUnderTest;
let publisher: ReturnType<typeof createClient>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(async () => {
  server = await startEmbeddedRedis({ args: DEBUG });
  publisher = createClient({ url: server.url, socket: { reconnectStrategy: 50 } });
  publisher.on('error', () => undefined);
  await publisher.connect();
  host = await hostOnRedis(
    {
      counted: {
        trigger: trigger.generic({
          type: 'redisPubSubTrigger',
          connection: 'RedisConnectionString',
          channel: 'faults:*',
        }),
        handler: () => undefined,
      },
    },
    { url: server.url },
  );
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await host.host.close();
  publisher.destroy();
  await server.stop();
  expect(unhandled).toEqual([]);
});

/** Publishes until a subscriber receives it (PUBLISH answers how many did); returns when subscribed again. */
async function publishUntilReceived(channel: string, message: string, withinMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const receivers = await publisher.publish(channel, message).catch(() => 0);
    if (receivers > 0) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`not resubscribed within ${withinMs}ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sendBatch(tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await publisher.publish('faults:load', `${tag}-${i}`);
}

const handled = (tag: string): string[] =>
  host.records.map((r) => (r.input as { Message: string }).Message).filter((m) => m.startsWith(`${tag}-`));

describe('Pub/Sub faults', () => {
  it('survives a Redis restart: resubscribes within 5 s and handles what is sent afterwards', async () => {
    await sendBatch('before', 100);
    await host.waitForInvocations(100);
    const port = server.port;
    await server.stop();
    server = await startEmbeddedRedis({ port, args: DEBUG });
    const recoveredInMs = await publishUntilReceived('faults:probe', 'probe');
    expect(recoveredInMs).toBeLessThan(5000);
    await sendBatch('after', 100);
    await host.waitForInvocations(201);
    expect(handled('before')).toHaveLength(100);
    expect(handled('after')).toHaveLength(100);
    expect(host.logs.some((l) => l.level === 'error' && l.msg.includes('Pub/Sub connection'))).toBe(true);
    expect(await host.host.options.metrics?.text()).toMatch(
      /redis_func_reconnects_total\{connection="RedisConnectionString"\} [1-9]/,
    );
  });

  it('survives its connections being killed (CLIENT KILL) under load', async () => {
    const sending = sendBatch('load', 300);
    await publisher.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await sending;
    await publishUntilReceived('faults:probe', 'probe');
    await sendBatch('after', 100);
    await host.waitForLog((l) => l.msg.includes('is back'));
    // At-most-once: some 'load' messages may be lost while disconnected; none sent after recovery.
    await host.until(() => (handled('after').length === 100 ? true : undefined));
    expect(handled('load').length).toBeGreaterThan(0);
  });

  it('survives a stalled server (DEBUG SLEEP) and handles what was published meanwhile', async () => {
    const stall = publisher.sendCommand(['DEBUG', 'SLEEP', '1']);
    const other = createClient({ url: server.url });
    other.on('error', () => undefined);
    await other.connect();
    const during = other.publish('faults:load', 'stalled-0'); // waits for the server to wake up
    await stall;
    expect(await during).toBe(1);
    other.destroy();
    const [record] = await host.waitForInvocations(1);
    expect((record?.input as { Message: string }).Message).toBe('stalled-0');
  });

  it('logs loudly when Redis cuts off the subscriber (client-output-buffer-limit), then resubscribes', async () => {
    await publisher.configSet('client-output-buffer-limit', 'pubsub 1024 1024 0');
    await publisher.publish('faults:big', 'x'.repeat(64 * 1024)); // over the hard limit: Redis drops the subscriber
    const loud = await host.waitForLog(
      (l) => l.level === 'error' && l.msg.includes('client-output-buffer-limit'),
    );
    expect(loud.msg).toContain('at-most-once');
    await publisher.configSet('client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    await publishUntilReceived('faults:probe', 'probe');
    await host.waitForLog((l) => l.msg.includes('is back'));
  });
});
