import { existsSync } from 'node:fs';
import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { startEmbeddedRedis } from '../../src/redis/embedded-server';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly via: 'testcontainers' | 'redis-server';
  stop(): Promise<void>;
}

/** Is a Docker engine answering? Asked through testcontainers itself, with a short limit. */
async function dockerAnswers(): Promise<boolean> {
  // No engine configured and no local socket: do not wait for testcontainers to find out.
  const configured = process.env['DOCKER_HOST'] ?? process.env['TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE'];
  if (!configured && !existsSync('/var/run/docker.sock')) return false;
  try {
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), 5000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/**
 * A Redis of the tests' own: a testcontainers container when a Docker engine answers, otherwise a
 * `redis-server` child process on a free port. Keyspace notifications are on for the Pub/Sub tests.
 */
export async function startTestRedis(args: readonly string[] = []): Promise<TestRedis> {
  if (await dockerAnswers()) {
    const container = await new GenericContainer('redis:7')
      .withExposedPorts(6379)
      .withCommand(['redis-server', '--notify-keyspace-events', 'KEA', ...args])
      .start();
    const port = container.getMappedPort(6379);
    return {
      url: `redis://${container.getHost()}:${port}`,
      port,
      via: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  }
  const server = await startEmbeddedRedis({ args: ['--notify-keyspace-events', 'KEA', ...args] });
  return { url: server.url, port: server.port, via: 'redis-server', stop: () => server.stop() };
}

/** A client for the test itself (publishing, inspecting). */
export function redisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (!url) throw new Error('REDIS_URL is not set: the jest globalSetup did not run');
  return url;
}

let counter = 0;
/** A key / channel prefix of the test's own. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${process.pid}:${Date.now().toString(36)}:${counter++}:`;
}
