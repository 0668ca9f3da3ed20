import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { ConnectionError, ErrorCodes } from '../errors';

/** A private `redis-server` child process on a free loopback port. */
export interface EmbeddedRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--notify-keyspace-events', 'KEA']`. */
  readonly args?: readonly string[];
  /** Why the server is needed, for the error when `redis-server` is not on PATH. */
  readonly reason?: string;
  readonly port?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const [command, commandArgs] = serverCommand([...args, ...(options.args ?? [])]);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitUntilReady(child, options.reason);
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () => (stopped ??= stopChild(child)),
  };
}

/**
 * `redis-server <args>`, started through `setpriv --pdeathsig KILL` where there is one (util-linux, on
 * Linux) and redis-server is on PATH: the kernel then ends the server when this process ends, also when it
 * is killed with SIGKILL, instead of leaving it running with nobody to stop it. Otherwise plainly.
 */
function serverCommand(args: readonly string[]): [string, string[]] {
  if (process.platform === 'linux' && onPath('setpriv') && onPath('redis-server'))
    return ['setpriv', ['--pdeathsig', 'KILL', 'redis-server', ...args]];
  return ['redis-server', [...args]];
}

function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && isExecutable(join(dir, name)));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function waitUntilReady(child: ChildProcess, reason: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start within 10 s:\n${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        fail(
          new ConnectionError(
            ErrorCodes.REDIS_SERVER_NOT_FOUND,
            `${reason ?? 'A private Redis is needed'}, but no 'redis-server' was found on PATH. Install Redis ` +
              `(e.g. 'apt-get install redis-server') or set the connection setting to a Redis you run.`,
            error,
          ),
        );
      } else fail(error);
    });
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
