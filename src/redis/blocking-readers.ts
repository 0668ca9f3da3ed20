import { sleep } from '../timers';
import type { RedisClient } from './client';
import { isRedirect, slotOf } from './cluster';
import type { RedisConnections } from './connections';

interface Reader {
  readonly client: RedisClient;
  /** A key the reader reads: on a cluster, its connection is to that key's slot master. */
  readonly key: string;
  /**
   * CLIENT ID of the connection, for CLIENT UNBLOCK (undefined when the server would not say). A reconnect
   * gets a new id: it is asked again ahead of the commands that waited for the connection.
   */
  id: Promise<number | undefined>;
  inFlight: Promise<unknown> | undefined;
}

/** How long a released read may take to come back before its connection is destroyed anyway. */
const RELEASE_GRACE_MS = 1000;
const NOT_BLOCKED_GRACE_MS = 50;
/** How often an interrupt asks again while the read it interrupts is not blocked yet. */
const INTERRUPT_RETRY_MS = 5;

/**
 * Dedicated connections for blocking commands (BLMPOP, BLPOP, BLMOVE), one per reader name. When the
 * reader's AbortSignal aborts, the blocked command is released with CLIENT UNBLOCK from the shared
 * connection, so Redis answers it with "nothing" (or with what it had already popped, which the caller
 * then still gets: no element is lost by closing). If UNBLOCK is refused or slow, the connection is
 * destroyed instead. The connection is closed once its last command came back. On a cluster a reader
 * connects to the master of its key's slot; a MOVED reply closes it, so the next read connects to the new one.
 */
export class BlockingReaders {
  private readonly readers = new Map<string, Promise<Reader>>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly settingName: string,
    private readonly role: string,
  ) {}

  /**
   * Runs `call` on the connection of reader `name`, which reads `key` (and keys of its slot); undefined when
   * the signal aborted before it was sent.
   */
  async run<T>(
    name: string,
    key: string,
    signal: AbortSignal | undefined,
    call: (client: RedisClient) => Promise<T>,
    functionName?: string,
  ): Promise<T | undefined> {
    if (signal?.aborted) return undefined;
    const reader = await this.reader(name, key, signal, functionName);
    if (signal?.aborted) return undefined;
    const pending = call(reader.client);
    reader.inFlight = pending;
    try {
      return await pending;
    } catch (error) {
      if (isRedirect(error)) {
        void this.release(name);
        await this.connections.refreshSlots(this.settingName).catch(() => undefined);
      }
      throw error;
    } finally {
      reader.inFlight = undefined;
    }
  }

  /**
   * Blocks on the key groups of several hash slots at once, each on a reader of its own (named `name@slot`).
   * The first that returns something, or fails, interrupts the others; their replies (nothing, or what
   * they had popped or read meanwhile) are returned too, so nothing taken from Redis is dropped. Throws only
   * when nothing was returned and a read failed; otherwise the failure shows again on the next read.
   */
  async runAcross<T>(
    name: string,
    groups: readonly (readonly string[])[],
    signal: AbortSignal | undefined,
    call: (client: RedisClient, keys: readonly string[]) => Promise<T[]>,
    functionName?: string,
  ): Promise<T[]> {
    const names = groups.map((keys) => `${name}@${slotOf(keys[0] ?? '')}`);
    let answered = false;
    const interruptOthers = (i: number): void => {
      if (answered) return;
      answered = true;
      names.forEach((other, j) => {
        if (j !== i) void this.interrupt(other);
      });
    };
    const settled = await Promise.allSettled(
      groups.map(async (keys, i) => {
        try {
          const got =
            (await this.run(names[i] ?? name, keys[0] ?? '', signal, (c) => call(c, keys), functionName)) ??
            [];
          if (got.length > 0) interruptOthers(i);
          return got;
        } catch (error) {
          interruptOthers(i);
          throw error;
        }
      }),
    );
    const got = settled.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    const failed = settled.find((result) => result.status === 'rejected');
    if (got.length === 0 && failed) throw failed.reason;
    return got;
  }

  /**
   * Ends the reader's blocked command now (CLIENT UNBLOCK: it answers with what it has, possibly nothing)
   * and keeps the connection. Asks again while the command is not blocked yet, until it came back.
   */
  async interrupt(name: string): Promise<void> {
    const reader = await this.readers.get(name)?.catch(() => undefined);
    const inFlight = reader?.inFlight;
    if (!reader || !inFlight) return;
    let settled = false;
    const done = (): void => {
      settled = true;
    };
    inFlight.then(done, done);
    while (!settled && reader.inFlight === inFlight) {
      if (await this.unblock(reader)) return;
      await new Promise((resolve) => setTimeout(resolve, INTERRUPT_RETRY_MS));
    }
  }

  private reader(
    name: string,
    key: string,
    signal: AbortSignal | undefined,
    functionName: string | undefined,
  ): Promise<Reader> {
    let pending = this.readers.get(name);
    if (pending) return pending;
    pending = this.open(name, key, functionName);
    this.readers.set(name, pending);
    pending.catch(() => this.readers.delete(name));
    signal?.addEventListener('abort', () => void this.release(name), { once: true });
    return pending;
  }

  /** The reader's connection, named after its function (CLIENT SETNAME) when the request says which. */
  private async open(name: string, key: string, functionName: string | undefined): Promise<Reader> {
    const role = `${this.role} ${name}`;
    const client = await this.connections.dedicatedClient(this.settingName, role, { key }, functionName);
    const askId = (): Promise<number | undefined> =>
      client
        .sendCommand(['CLIENT', 'ID'], { asap: true })
        .then(Number)
        .catch(() => undefined);
    const reader: Reader = { client, key, id: askId(), inFlight: undefined };
    await reader.id;
    // 'ready' after a reconnect: asap puts CLIENT ID before a blocking read queued meanwhile, so it is answered.
    client.on('ready', () => {
      reader.id = askId();
    });
    return reader;
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

  /** CLIENT UNBLOCK from the shared connection to the same server; false when that did not work. */
  private async unblock(reader: Reader): Promise<boolean> {
    // (While the connection is down its id is not known yet: do not wait for it.)
    const id = await Promise.race([reader.id, sleep(NOT_BLOCKED_GRACE_MS).then(() => undefined)]);
    if (id === undefined) return false;
    try {
      const unblocked = await this.connections.withKey(this.settingName, reader.key, (shared) =>
        shared.clientUnblock(id),
      );
      return unblocked === 1;
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
