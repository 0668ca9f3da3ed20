import { randomUUID } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/identity';

/** What the fake cache needs of a Redis client: ACL SETUSER on it. */
interface AclTarget {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Mints short-lived tokens as Microsoft Entra ID would, and makes each one a password of the identity's
 * ACL user (named as its object id) on every server, removing it once it expired: a cache that accepts
 * only tokens still valid. `failNext(n)` refuses the next n requests (a refresh that fails).
 */
export class RotatingCredential implements TokenCredential {
  readonly issued: string[] = [];
  /** Every request, refused ones included. */
  requests = 0;
  private failures = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    private readonly servers: readonly AclTarget[],
    private readonly objectId: string,
    private readonly ttlMs: number,
  ) {}

  failNext(count: number): void {
    this.failures = count;
  }

  async getToken(): Promise<AccessToken> {
    this.requests++;
    if (this.failures > 0) {
      this.failures--;
      const error = new Error('The token endpoint is unavailable (test).');
      error.name = 'AuthenticationError';
      throw error;
    }
    const token = `token-${this.issued.length + 1}-${randomUUID()}`;
    for (const server of this.servers)
      await server.sendCommand(['ACL', 'SETUSER', this.objectId, 'on', `>${token}`, '~*', '&*', '+@all']);
    setTimeout(() => {
      for (const server of this.servers)
        server.sendCommand(['ACL', 'SETUSER', this.objectId, `<${token}`]).catch(() => undefined);
    }, this.ttlMs).unref();
    this.issued.push(token);
    // After the token went out: every client has queued its AUTH by the time a waiter runs (setImmediate
    // runs after the promise jobs that hand the token to the clients).
    const due = this.waiters.filter((w) => this.issued.length >= w.count);
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) setImmediate(w.resolve);
    return { token, expiresOnTimestamp: Date.now() + this.ttlMs };
  }

  /** Resolves once `count` tokens were issued and handed to the clients. */
  issuedAtLeast(count: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.issued.length >= count) setImmediate(resolve);
      else this.waiters.push({ count, resolve });
    });
  }
}
