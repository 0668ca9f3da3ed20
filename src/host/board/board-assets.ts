import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { OWN_ROOT } from '../../pack/own-package';

/** The page's files, in the package's `board/` folder (shipped with it: package.json "files"). */
export const BOARD_DIR = path.join(OWN_ROOT, 'board');

const SCRIPT = 'text/javascript; charset=utf-8';

/** What each URL of the page serves: the page, its style sheet and its script modules. */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  ...Object.fromEntries(
    ['app', 'api', 'dom', 'functions', 'feed', 'act'].map((name) => [
      `/board/${name}.js`,
      { file: `${name}.js`, type: SCRIPT },
    ]),
  ),
};

/**
 * Everything the page may load comes from this host: no inline script or style, no other origin, and no
 * framing. Data the page shows is added as text, so a message holding markup stays text.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** True for the page's own URLs (they hold no data, so they need no key). */
export function isBoardAsset(pathname: string): boolean {
  return Object.hasOwn(ASSETS, pathname);
}

/** Reads the page's files once; serves them from memory afterwards. */
export class BoardAssets {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(private readonly dir = BOARD_DIR) {}

  /** Answers a GET for one of the page's URLs; false for any other path. */
  async serve(pathname: string, res: ServerResponse): Promise<boolean> {
    const asset = ASSETS[pathname];
    if (!asset) return false;
    let body = this.cache.get(asset.file);
    if (!body) {
      body = readFile(path.join(this.dir, asset.file));
      this.cache.set(asset.file, body);
      body.catch(() => this.cache.delete(asset.file));
    }
    const content = await body;
    res
      .writeHead(200, {
        'content-type': asset.type,
        'content-length': content.length,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      })
      .end(content);
    return true;
  }
}
