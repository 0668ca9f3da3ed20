import type { RedisClient } from './client';
import type { RedisConnections } from './connections';

interface Reader {
  readonly client: RedisClient;
  /** CLIENT ID of the connection, for CLIENT UNBLOCK; undefined when the server would not say. */
  readonly id: number | undefined;
  inFlight: Promise<unknown> | undefined;
}

/** How long a released read may take to come back before its connection is destroyed anyway. */
const RELEASE_GRACE_MS = 1000;
const NOT_BLOCKED_GRACE_MS = 50;

/**
 * Dedicated connections for blocking commands (BLMPOP, BLPOP, BLMOVE), one per reader name. When the
 * reader's AbortSignal aborts, the blocked command is released with CLIENT UNBLOCK from the shared
 * connection, so Redis answers it with "nothing" (or with what it had already popped, which the caller
 * then still gets: no element is lost by closing). If UNBLOCK is refused or slow, the connection is
 * destroyed instead. The connection is closed once its last command came back.
 */
export class BlockingReaders {
  private readonly readers = new Map<string, Promise<Reader>>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
    private readonly role: string,
  ) {}

  /** Runs `call` on the reader's connection; undefined when the signal aborted before it was sent. */
  async run<T>(
    name: string,
    signal: AbortSignal | undefined,
    call: (client: RedisClient) => Promise<T>,
  ): Promise<T | undefined> {
    if (signal?.aborted) return undefined;
    const reader = await this.reader(name, signal);
    if (signal?.aborted) return undefined;
    const pending = call(reader.client);
    reader.inFlight = pending;
    try {
      return await pending;
    } finally {
      reader.inFlight = undefined;
    }
  }

  private reader(name: string, signal: AbortSignal | undefined): Promise<Reader> {
    let pending = this.readers.get(name);
    if (pending) return pending;
    pending = this.open(name);
    this.readers.set(name, pending);
    pending.catch(() => this.readers.delete(name));
    signal?.addEventListener('abort', () => void this.release(name), { once: true });
    return pending;
  }

  private async open(name: string): Promise<Reader> {
    const client = await this.connections.dedicatedClient(this.settingName, `${this.role} ${name}`);
    const id = await client.clientId().catch(() => undefined);
    return { client, id, inFlight: undefined };
  }

  private async release(name: string): Promise<void> {
    const pending = this.readers.get(name);
    this.readers.delete(name);
    const reader = await pending?.catch(() => undefined);
    if (!reader) return;
    const { client, inFlight } = reader;
    if (inFlight) {
      // Not blocked (yet, or any more): its reply may be on the way; give it a moment before cutting it.
      const unblocked = await this.unblock(reader);
      await settledWithin(inFlight, unblocked ? RELEASE_GRACE_MS : NOT_BLOCKED_GRACE_MS);
    }
    if (client.isOpen) client.destroy();
  }

  /** CLIENT UNBLOCK from the shared connection; false when that did not work. */
  private async unblock(reader: Reader): Promise<boolean> {
    if (reader.id === undefined) return false;
    try {
      const shared = await this.connections.commandClient(this.settingName);
      return (await shared.clientUnblock(reader.id)) === 1;
    } catch {
      return false;
    }
  }
}

function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
