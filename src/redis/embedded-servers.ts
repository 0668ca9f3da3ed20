import type { Logger } from '../logging';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-server';

/**
 * The private redis-servers started for connection settings that are not set: one per setting, shared
 * by every listener set in the process (`--instances`), stopped by their owner.
 */
export class EmbeddedServers {
  private readonly servers = new Map<string, Promise<EmbeddedRedis>>();

  constructor(private readonly logger: Logger) {}

  get(settingName: string): Promise<EmbeddedRedis> {
    let server = this.servers.get(settingName);
    if (!server) {
      server = this.start(settingName);
      this.servers.set(settingName, server);
    }
    return server;
  }

  async stopAll(): Promise<void> {
    for (const server of this.servers.values()) await (await server.catch(() => undefined))?.stop();
    this.servers.clear();
  }

  private async start(settingName: string): Promise<EmbeddedRedis> {
    const server = await startEmbeddedRedis({
      args: ['--notify-keyspace-events', 'KEA'],
      reason: `The connection setting '${settingName}' is not set, so redis-func wanted to start a private redis-server`,
    });
    this.logger.warn(
      { setting: settingName, port: server.port },
      `Connection setting '${settingName}' is not set; started a private redis-server on 127.0.0.1:${server.port} ` +
        `(keyspace notifications on). Publish to it with: redis-cli -p ${server.port} PUBLISH <channel> <message>`,
    );
    return server;
  }
}
