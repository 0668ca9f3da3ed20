import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InvocationRecord } from '../../invoke/invoker';
import type { InvocationTap } from '../../invoke/invocation-tap';
import { feedEntry } from './feed-entry';

export interface BoardFeedOptions {
  /** How often each page gets what arrived (default 200 ms). */
  readonly flushMs?: number;
  /** At most this many invocations per page and flush; the others are counted, not sent (default 40). */
  readonly maxPerFlush?: number;
  /** A comment line this often keeps proxies from closing a quiet stream (default 15 s). */
  readonly keepAliveMs?: number;
}

/** Which invocations a page asked for (`?function=&status=` on the events URL). */
export interface FeedFilter {
  readonly function?: string;
  readonly status?: 'succeeded' | 'failed';
}

interface Kept {
  readonly record: InvocationRecord;
  readonly reason: string;
  readonly at: number;
}

/** One page's event stream and what arrived for it since its last flush. */
interface FeedClient {
  readonly res: ServerResponse;
  readonly fn: string | undefined;
  readonly status: FeedFilter['status'];
  /** Invocations that matched since the last message sent (sent or not). */
  received: number;
  kept: Kept[];
}

/**
 * The live feed: server-sent events of finished invocations, coalesced. While a page is connected the
 * host's invokers hand every record to `receive` (see InvocationTap), which only counts it and keeps the
 * first `maxPerFlush` of each flush window per page; every `flushMs` each page gets one message with those
 * (as text, cut to size) and how many arrived, so a burst of thousands per second costs the host a counter
 * per invocation and each page a few messages per second. A page that reads too slowly (its socket is full)
 * misses flushes, counted as well. With no page connected the tap is released and nothing is built.
 */
export class BoardFeed {
  private readonly clients = new Set<FeedClient>();
  private readonly flushMs: number;
  private readonly maxPerFlush: number;
  private readonly keepAliveMs: number;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private quietSince = 0;

  constructor(
    private readonly tap: InvocationTap,
    options: BoardFeedOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 200;
    this.maxPerFlush = options.maxPerFlush ?? 40;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  get pages(): number {
    return this.clients.size;
  }

  /** Answers an events request: the stream stays open until the page goes or close() runs. */
  open(req: IncomingMessage, res: ServerResponse, filter: FeedFilter): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    const client: FeedClient = {
      res,
      fn: filter.function?.toLowerCase(),
      status: filter.status,
      received: 0,
      kept: [],
    };
    const hello = { flushMs: this.flushMs, maxPerFlush: this.maxPerFlush };
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.clients.add(client);
    req.on('close', () => this.remove(client));
    this.unsubscribe ??= this.tap.subscribe((record, reason) => this.receive(record, reason));
    this.timer ??= setInterval(() => this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Ends every stream and releases the tap. */
  close(): void {
    for (const client of [...this.clients]) {
      this.remove(client);
      client.res.end();
    }
  }

  private receive(record: InvocationRecord, reason: string): void {
    for (const client of this.clients) {
      if (client.status !== undefined && client.status !== record.status) continue;
      if (client.fn !== undefined && client.fn !== record.functionName.toLowerCase()) continue;
      client.received++;
      if (client.kept.length < this.maxPerFlush) client.kept.push({ record, reason, at: Date.now() });
    }
  }

  private flush(): void {
    const now = Date.now();
    let sent = false;
    for (const client of this.clients) {
      if (client.received === 0) continue;
      const { kept } = client;
      client.kept = [];
      if (client.res.writableNeedDrain) continue; // counted in `received`, reported with the next message
      const entries = kept.map((k) => feedEntry(k.record, k.reason, k.at));
      const message = { at: now, received: client.received, entries };
      client.received = 0;
      client.res.write(`event: invocations\ndata: ${JSON.stringify(message)}\n\n`);
      sent = true;
    }
    if (sent) this.quietSince = now;
    else if (now - this.quietSince >= this.keepAliveMs) {
      this.quietSince = now;
      for (const client of this.clients)
        if (!client.res.writableNeedDrain) client.res.write(': keep-alive\n\n');
    }
  }

  private remove(client: FeedClient): void {
    this.clients.delete(client);
    if (this.clients.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
