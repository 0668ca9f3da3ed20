import { errorMessage } from '../errors';
import { plural, type ListOwner } from './list-owner';

/** The heartbeat is renewed (and gone listeners looked for) three times per heartbeatTimeoutMs. */
export function heartbeatEveryMs(heartbeatTimeoutMs: number): number {
  return Math.max(30, Math.floor(heartbeatTimeoutMs / 3));
}

/**
 * Reliable mode: this listener's heartbeat, renewed on a timer; each renewal then returns the processing
 * lists of listeners whose heartbeat expired to the head of their list.
 */
export class ListHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly c: ListOwner) {}

  /** Renews the heartbeat, then returns elements of gone listeners. Never throws; one at a time. */
  beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** Beats every heartbeatEveryMs from now on. */
  keepBeating(): void {
    this.timer = setInterval(
      () => void this.beat(),
      heartbeatEveryMs(this.c.deps.fn.options.heartbeatTimeoutMs),
    );
    this.timer.unref();
  }

  /** Stops the timer and waits for a beat under way; true when it was beating on a timer (leave() next). */
  async stop(): Promise<boolean> {
    clearInterval(this.timer);
    await this.beating;
    return this.timer !== undefined;
  }

  /** After close: end the heartbeat and return whatever could not be settled. */
  async leave(): Promise<void> {
    const { deps, port, owner } = this.c;
    try {
      await port.stopHeartbeat(owner, deps.fn.options.keys);
      await this.recover();
    } catch (error) {
      deps.logger.warn(
        { functionName: deps.fn.name, owner, err: errorMessage(error) },
        `Leaving the lists of '${deps.fn.name}' failed; other listeners return its elements once ` +
          `its heartbeat expires`,
      );
    }
  }

  private async renew(): Promise<void> {
    const { deps, port, owner } = this.c;
    const { fn, logger } = deps;
    try {
      await port.heartbeat(owner, fn.options.keys, fn.options.heartbeatTimeoutMs);
      await this.recover(owner);
    } catch (error) {
      logger.warn(
        { functionName: fn.name, owner, err: errorMessage(error) },
        `Renewing the list heartbeat of '${fn.name}' failed; retrying`,
      );
    }
  }

  /** Returns the processing lists of gone listeners; while running, never this listener's own (`self`). */
  private async recover(self?: string): Promise<void> {
    const { fn, logger } = this.c.deps;
    for (const key of fn.options.keys) {
      const moved = await this.c.port.recover(key, fn.options.direction, self);
      if (moved === 0) continue;
      logger.info(
        { functionName: fn.name, key, list: key, count: moved },
        `Returned ${plural(moved)} left in processing by a listener that is gone to the head of '${key}'`,
      );
    }
  }
}
