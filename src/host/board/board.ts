import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InvocationTap } from '../../invoke/invocation-tap';
import type { HostMetrics } from '../../metrics/host-metrics';
import { BoardAssets } from './board-assets';
import { BoardFeed, type BoardFeedOptions, type FeedFilter } from './board-feed';
import { boardState, type BoardTarget } from './board-state';
import { BoardStats, type BoardStatsOptions } from './board-stats';

export interface BoardOptions {
  readonly target: BoardTarget;
  readonly metrics: HostMetrics;
  /** Where the invokers hand records while a page is connected. */
  readonly tap: InvocationTap;
  readonly version: string;
  readonly feed?: BoardFeedOptions;
  readonly stats?: BoardStatsOptions;
  /** Where the page's files are (default: the package's `board/` folder). */
  readonly assetsDir?: string;
}

/**
 * The board on the admin port: the page (`GET /`, `/board/app.js`, `/board/app.css`), the host's state
 * (`GET /admin/board/state`) and the live feed (`GET /admin/board/events`, server-sent events).
 */
export class Board {
  private readonly stats: BoardStats;
  private readonly feed: BoardFeed;
  private readonly assets: BoardAssets;

  constructor(private readonly options: BoardOptions) {
    this.stats = new BoardStats(options.metrics, options.stats);
    this.feed = new BoardFeed(options.tap, options.feed);
    this.assets = new BoardAssets(options.assetsDir);
  }

  /** Starts keeping the functions' history (from now on). */
  start(): void {
    this.stats.start();
  }

  /** Answers the board's requests; false for any other (the admin API's other routes). */
  async route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'HEAD') return this.assets.serve(url.pathname, res); // the page's files only
    if (url.pathname === '/admin/board/state') {
      const state = await boardState({ ...this.options, stats: this.stats, pages: this.feed.pages });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(state));
      return true;
    }
    if (url.pathname === '/admin/board/events') {
      this.feed.open(req, res, feedFilter(url.searchParams));
      return true;
    }
    return this.assets.serve(url.pathname, res);
  }

  /** Ends the live feed's streams (the admin server then closes) and stops keeping history. */
  close(): void {
    this.feed.close();
    this.stats.stop();
  }
}

function feedFilter(params: URLSearchParams): FeedFilter {
  const fn = params.get('function') || undefined;
  const status = params.get('status');
  return {
    ...(fn === undefined ? {} : { function: fn }),
    ...(status === 'succeeded' || status === 'failed' ? { status } : {}),
  };
}
