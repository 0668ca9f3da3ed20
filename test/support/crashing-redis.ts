import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import type { HostUnderTest } from './host-on-redis';

/**
 * A redis-server of the test's own that persists every write before answering it (AOF, appendfsync
 * always) and can be killed with SIGKILL and started again on the same port from its AOF, as a crash and
 * a restart by a supervisor would.
 */
export class CrashingRedis {
  private constructor(
    private server: EmbeddedRedis,
    private readonly dir: string,
  ) {}

  static async start(): Promise<CrashingRedis> {
    const dir = mkdtempSync(path.join(tmpdir(), 'rf-crash-'));
    return new CrashingRedis(await startEmbeddedRedis({ args: persistent(dir) }), dir);
  }

  get url(): string {
    return this.server.url;
  }

  /** SIGKILL, then the same port and AOF again. */
  async crashAndRestart(): Promise<void> {
    const { port, pid } = this.server;
    if (pid === undefined) throw new Error('redis-server has no pid');
    process.kill(pid, 'SIGKILL');
    await this.server.stop(); // resolves once the process has exited
    this.server = await startEmbeddedRedis({ port, args: persistent(this.dir) });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function persistent(dir: string): string[] {
  return ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
}

const newClient = (url: string) => createClient({ url, socket: { reconnectStrategy: 20 } });
export type Client = ReturnType<typeof newClient>;

/** A client that rides out the crashes (reconnecting every 20 ms) and whose failed commands reject. */
export async function crashProofClient(url: string): Promise<Client> {
  const client = newClient(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Writes with `send(i)` one at a time until stopped, keeping what Redis acknowledged; a write that fails
 * (the server died under it) is not counted, whatever happened to it.
 */
export function produce(send: (i: number) => Promise<string>): {
  readonly acknowledged: string[];
  stop(): Promise<void>;
} {
  const acknowledged: string[] = [];
  let stopped = false;
  const running = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        acknowledged.push(await send(i));
      } catch {
        // not acknowledged
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Crashes Redis `times` times, each once the host has handled `between` more messages since the last. */
export async function crashRepeatedly(
  redis: CrashingRedis,
  host: HostUnderTest,
  times: number,
  between: number,
): Promise<void> {
  for (let n = 0; n < times; n++) {
    const target = host.records.length + between;
    await host.until(() => (host.records.length >= target ? true : undefined));
    await redis.crashAndRestart();
  }
}

/** The messages of the host's succeeded invocations, with how often each was handled. */
export function handledCounts(host: HostUnderTest): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of host.records) {
    if (record.status !== 'succeeded') continue;
    const message = (record.input as { Message: string }).Message;
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return counts;
}

/**
 * Once every message of `sent` was handled: how often each was. Gives up after `deadlineMs` (a bound for a
 * failing run, not a measure) and returns what was handled by then. The check runs after every invocation,
 * so it only looks at the records that are new since the last check (a full scan each time made the test
 * itself quadratic: with 10,000 records the host handled a few hundred elements a second).
 */
export async function allHandled(
  host: HostUnderTest,
  sent: readonly string[],
  deadlineMs = 20_000,
): Promise<Map<string, number>> {
  const waiting = new Set(sent);
  let checked = 0;
  const allSeen = (): true | undefined => {
    for (; checked < host.records.length; checked++) {
      const record = host.records[checked];
      if (record?.status === 'succeeded') waiting.delete((record.input as { Message: string }).Message);
    }
    return waiting.size === 0 ? true : undefined;
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
  await Promise.race([deadline, host.until(allSeen)]);
  clearTimeout(timer);
  return handledCounts(host);
}

/**
 * For one test file: a CrashingRedis and a client that rides out its crashes, started before the file's
 * tests; the host the test sets (`suite.host = ...`) is closed after them, then the client and the server.
 */
export function crashingRedisForSuite() {
  let redis: CrashingRedis | undefined;
  let client: Client | undefined;
  const suite = {
    host: undefined as HostUnderTest | undefined,
    get redis(): CrashingRedis {
      if (!redis) throw new Error('crashingRedisForSuite: used before beforeAll ran');
      return redis;
    },
    get client(): Client {
      if (!client) throw new Error('crashingRedisForSuite: used before beforeAll ran');
      return client;
    },
  };
  beforeAll(async () => {
    redis = await CrashingRedis.start();
    client = await crashProofClient(redis.url);
  });
  afterAll(async () => {
    await suite.host?.host.close();
    client?.destroy();
    await redis?.stop();
  });
  return suite;
}

/**
 * Writes with `send` while Redis is crashed `times` times (every `between` handled messages), then waits
 * for the host to handle what Redis acknowledged. Gives the acknowledged messages, those never handled
 * and those handled more than once; when some are missing, the host's last log lines go to stderr.
 */
export async function throughCrashes(
  redis: CrashingRedis,
  host: HostUnderTest,
  send: (i: number) => Promise<string>,
  { times = 20, between = 60 } = {},
): Promise<{ sent: readonly string[]; missing: string[]; duplicates: [string, number][] }> {
  const producer = produce(send);
  await crashRepeatedly(redis, host, times, between);
  await producer.stop();
  const sent = producer.acknowledged;
  const counts = await allHandled(host, sent);
  const missing = sent.filter((m) => !counts.has(m));
  if (missing.length > 0)
    console.error(
      host.logs
        .slice(-40)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
  return { sent, missing, duplicates: [...counts].filter(([, n]) => n > 1) };
}
