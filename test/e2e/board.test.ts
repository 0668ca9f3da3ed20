/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createClient } from 'redis';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

// The board in a real browser: Debian's chromium (.ci/run installs it), driven by puppeteer-core, against
// `redis-func start` run as users run it.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const fixture = path.join(__dirname, '..', 'fixtures', 'board-app');
const MASTER_KEY = 'board-test-key';
const redis = createClient({ url: redisUrl() });
const p = uniquePrefix('board');
const pages: Page[] = [];
const pageErrors: string[] = [];
let browser: Browser;
let host: CliProcess;
let port: number;

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

async function startHost(
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<[CliProcess, number]> {
  const cli = runCli(
    ['start', '--script-root', fixture, '--json', '--port', '0', '--no-watch', ...extraArgs],
    {
      RedisConnectionString: redisUrl(),
      Prefix: p,
      ...env,
    },
  );
  const line = await cli.waitForLine((l) => msg(l).startsWith('Board: '));
  await cli.waitForLine((l) => msg(l) === 'Host is running. Press Ctrl+C to stop.');
  return [cli, line['port'] as number];
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH.`,
    );
  await redis.connect();
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  [host, port] = await startHost();
}, 60_000);

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
});

afterAll(async () => {
  if (process.env['BOARD_SCREENSHOT']) await screenshot(process.env['BOARD_SCREENSHOT']);
  await browser?.close();
  redis.destroy();
  if (host && host.child.exitCode === null) host.child.kill('SIGKILL');
}, 60_000);

/** Opens the board (in a fresh browser context: no key kept from another page) and waits for its feed. */
async function openBoard(url = `http://127.0.0.1:${port}/`, live = true): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  pages.push(page);
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('dialog', (dialog) => void dialog.dismiss()); // an alert() from a payload would land here
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(url);
  if (live) {
    await page.waitForFunction(() => document.getElementById('feed-connection')?.textContent === 'live');
    await page.waitForSelector('#function-rows tr[data-function="onOrder"]');
  }
  return page;
}

/** Waits for a feed entry whose text contains `text`, and returns what it shows. */
async function feedEntry(page: Page, text: string, timeout = 5000) {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('#feed .entry')].some((e) => e.textContent?.includes(t)),
    { timeout, polling: 20 },
    text,
  );
  return page.evaluate((t) => {
    const entry = [...document.querySelectorAll<HTMLElement>('#feed .entry')].find((e) =>
      e.textContent?.includes(t),
    ) as HTMLElement;
    const texts = (selector: string): string[] =>
      [...entry.querySelectorAll(selector)].map((e) => e.textContent ?? '');
    return {
      fn: entry.querySelector('.fn')?.textContent,
      status: entry.querySelector('.status')?.textContent,
      reason: entry.querySelector('.reason')?.textContent,
      input: entry.querySelector('.input-full')?.textContent,
      error: entry.querySelector('.error')?.textContent,
      logs: texts('.log'),
      hidden: entry.hidden,
    };
  }, text);
}

function cell(page: Page, fn: string, name: string): Promise<string> {
  return page.$eval(`#function-rows tr[data-function="${fn}"] .c-${name}`, (e) => e.textContent ?? '');
}

async function waitForCell(page: Page, fn: string, name: string, text: string): Promise<void> {
  await page.waitForFunction(
    (f, n, t) => document.querySelector(`#function-rows tr[data-function="${f}"] .c-${n}`)?.textContent === t,
    { timeout: 10_000 },
    fn,
    name,
    text,
  );
}

async function selectAct(page: Page, fn: string): Promise<void> {
  await page.select('#act-function', fn);
  await page.waitForFunction(
    (f) => (document.getElementById('act-function') as HTMLSelectElement | null)?.value === f,
    {},
    fn,
  );
}

/** The README's picture: a host of its own, with short names, after a little of everything. */
async function screenshot(file: string): Promise<void> {
  const s = 'shop:';
  const [shot, shotPort] = await startHost([], { Prefix: s });
  try {
    for (let i = 0; i < 30; i++) await redis.publish(`${s}orders:eu`, JSON.stringify({ order: 100 + i }));
    const page = await openBoard(`http://127.0.0.1:${shotPort}/`);
    await selectAct(page, 'onJob');
    await redis.rPush(`${s}jobs`, 'poison: corrupt-image.png');
    for (let i = 0; i < 8; i++) {
      await redis.xAdd(`${s}events`, '*', { kind: 'signup', user: `u${i}` });
      await redis.rPush(`${s}jobs`, `resize image-${i}.png`);
      await redis.publish(`${s}orders:new`, JSON.stringify({ order: i, sku: 'A-12', qty: 1 + (i % 3) }));
    }
    await page.waitForFunction(() => document.querySelectorAll('#function-rows rect').length > 2, {
      timeout: 10_000,
    });
    await feedEntry(page, 'u7');
    await redis.publish(`${s}orders:new`, JSON.stringify({ order: 8, sku: 'C-3', qty: 2 }));
    await redis.publish(`${s}orders:new`, 'boom: out of stock');
    await feedEntry(page, 'boom: out of stock');
    await page.click('#dead-load');
    await page.waitForSelector('#dead-list .dead');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // one more state poll: rates and charts
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file });
  } finally {
    shot.child.kill('SIGKILL');
  }
}

describe('the board in a browser', () => {
  it('shows an invocation in the feed within a second of its PUBLISH, with its log lines', async () => {
    const page = await openBoard();
    const message = `hello ${p}`;
    await redis.publish(`${p}orders:new`, message);
    const entry = await feedEntry(page, message, 1000);
    expect(entry).toMatchObject({ fn: 'onOrder', status: 'succeeded', hidden: false });
    expect(entry.reason).toBe(`New Redis message on channel ${p}orders:new`);
    expect(entry.input).toContain(message);
    expect(entry.logs).toEqual([`[information] order on ${p}orders:new: ${message}`]);
  });

  it('shows a failed invocation with its error, and filters the feed by status', async () => {
    const page = await openBoard();
    await redis.publish(`${p}orders:new`, `fine ${p}`);
    await redis.publish(`${p}orders:new`, `boom ${p}`);
    const failed = await feedEntry(page, `boom ${p}`);
    expect(failed).toMatchObject({ fn: 'onOrder', status: 'failed' });
    expect(failed.error).toBe(`order handler failed on boom ${p}`);
    await feedEntry(page, `fine ${p}`);

    await page.select('#feed-status', 'failed');
    expect((await feedEntry(page, `fine ${p}`)).hidden).toBe(true);
    expect((await feedEntry(page, `boom ${p}`)).hidden).toBe(false);
    // the feed reconnects for failures only: a success is not even sent
    await page.waitForFunction(() => document.getElementById('feed-connection')?.textContent === 'live');
    await redis.publish(`${p}orders:new`, `later fine ${p}`);
    await redis.publish(`${p}orders:new`, `boom later ${p}`);
    await feedEntry(page, `boom later ${p}`);
    expect(
      await page.$$eval(
        '#feed .entry',
        (all) => all.filter((e) => e.textContent?.includes('later fine')).length,
      ),
    ).toBe(0);
  });

  it('holds the feed while paused and shows what arrived on resume', async () => {
    const page = await openBoard();
    await page.click('#feed-pause');
    await redis.publish(`${p}orders:new`, `while paused ${p}`);
    await page.waitForFunction(() => document.getElementById('feed-pause')?.textContent === 'Resume (1 new)');
    expect(await page.$$eval('#feed .entry', (all) => all.length)).toBe(0);
    await page.click('#feed-pause');
    expect((await feedEntry(page, `while paused ${p}`)).fn).toBe('onOrder');
    expect(await page.$eval('#feed-pause', (e) => e.textContent)).toBe('Pause');
  });

  it('renders markup in messages as text and runs none of it', async () => {
    const page = await openBoard();
    const script = `<script>window.__xss = 1</script>${p}`;
    const image = `<img src=x onerror="window.__xss = 2">${p}`;
    await redis.publish(`${p}orders:new`, script);
    await redis.publish(`${p}orders:new`, image);
    expect((await feedEntry(page, image)).logs).toEqual([`[information] order on ${p}orders:new: ${image}`]);
    expect((await feedEntry(page, script)).input).toContain(script);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.$$eval('#feed img, #feed script', (found) => found.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('shows each function with its trigger, state and counts, and a chart of the last minutes', async () => {
    const page = await openBoard();
    for (let i = 0; i < 5; i++) await redis.xAdd(`${p}events`, '*', { n: String(i) });
    await waitForCell(page, 'onEvent', 'succeeded', '5');
    expect(await cell(page, 'onEvent', 'failed')).toBe('0');
    expect(await cell(page, 'onEvent', 'trigger')).toBe(`stream${p}events (group onEvent)`);
    expect(await cell(page, 'onEvent', 'state')).toBe('running');
    expect(await cell(page, 'onOrder', 'trigger')).toBe(`pubsub${p}orders:*`);
    expect(await cell(page, 'onOrder', 'mode')).toBe('PSUBSCRIBE');
    expect(await cell(page, 'onOrder', 'backlog')).toBe('–'); // Pub/Sub has no backlog
    await waitForCell(page, 'onEvent', 'backlog', '0');
    await waitForCell(page, 'onEvent', 'pending', '0');
    expect(await cell(page, 'onEvent', 'p50')).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    // the chart's bars: the five invocations, once the host read its totals
    await page.waitForFunction(
      () => document.querySelectorAll('#function-rows tr[data-function="onEvent"] .chart rect.ok').length > 0,
      { timeout: 10_000 },
    );
    const title = await page.$eval(
      '#function-rows tr[data-function="onEvent"] .chart title',
      (t) => t.textContent,
    );
    expect(title).toMatch(/^5 invocation\(s\) in the last 10 min, 0 failed/);
  });

  it('coalesces a burst and says how much of it it shows', async () => {
    const page = await openBoard();
    const burst = 5000;
    await Promise.all(
      Array.from({ length: burst }, (_, i) => redis.publish(`${p}orders:burst`, `burst ${i}`)),
    );
    await page.waitForFunction(
      () =>
        /^Showing [\d,]+ of [\d,]+ invocations in the last second/.test(
          document.getElementById('feed-note')?.textContent ?? '',
        ),
      { timeout: 5000, polling: 20 },
    );
    const note = await page.$eval('#feed-note', (e) => e.textContent ?? '');
    const [shown, received] = (/^Showing ([\d,]+) of ([\d,]+)/.exec(note) ?? [])
      .slice(1)
      .map((n) => Number(n.replace(/,/g, '')));
    expect(shown).toBeLessThan(received as number);
    expect(await page.$$eval('#feed .entry', (all) => all.length)).toBeLessThanOrEqual(300);
    await feedEntry(page, 'burst '); // and the page still shows entries
    // the rate column counts them all
    await page.waitForFunction(
      () =>
        Number(
          document
            .querySelector('#function-rows tr[data-function="onOrder"] .c-rate')
            ?.textContent?.replace(/,/g, ''),
        ) >= 100,
      { timeout: 10_000 },
    );
  });

  it('runs a function and sends a test message from the page', async () => {
    const page = await openBoard();
    await selectAct(page, 'onOrder');
    await page.type('#run-input', `run by hand ${p}`);
    await page.click('#run-form button[type="submit"]');
    const run = await feedEntry(page, `run by hand ${p}`);
    expect(run.reason).toBe('This function was programmatically called via the host APIs.');

    await selectAct(page, 'onJob');
    await page.type('#send-message', `sent from the page ${p}`);
    await page.click('#send-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('send-result')?.textContent !== '', {
      timeout: 5000,
    });
    expect(await page.$eval('#send-result', (e) => e.textContent)).toBe(`RPUSH ${p}jobs → 1`);
    expect(await feedEntry(page, `sent from the page ${p}`)).toMatchObject({
      fn: 'onJob',
      status: 'succeeded',
    });
  });

  it('requeue moves a dead-lettered element back and it runs', async () => {
    const page = await openBoard();
    await selectAct(page, 'onJob');
    const value = `poison ${p}`;
    await redis.rPush(`${p}jobs`, value);
    const failed = await feedEntry(page, value);
    expect(failed.status).toBe('failed');
    await page.click('#dead-load');
    await page.waitForFunction(
      (v) => [...document.querySelectorAll('#dead-list .dead')].some((e) => e.textContent?.includes(v)),
      { timeout: 5000 },
      value,
    );
    const item = await page.$$('#dead-list .dead');
    expect(item).toHaveLength(1);
    await (await item[0]?.$('button'))?.click(); // Requeue
    await page.waitForSelector('#confirm-dialog[open]');
    expect(await page.$eval('#confirm-text', (e) => e.textContent)).toBe(
      `Requeue this dead letter to ${p}jobs?`,
    );
    await page.click('#confirm-ok');
    await page.waitForFunction(
      (v) => [...document.querySelectorAll('#feed .entry.succeeded')].some((e) => e.textContent?.includes(v)),
      { timeout: 5000 },
      value,
    );
    expect(await page.$eval('#dead-result', (e) => e.textContent)).toBe('Requeued 1.');
    await page.waitForFunction(() => document.querySelectorAll('#dead-list .dead').length === 0);
    expect(await redis.lLen(`${p}jobs:deadletter`)).toBe(0);
  });

  it('purges a dead letter only once confirmed', async () => {
    const page = await openBoard();
    await selectAct(page, 'onJob');
    const value = `poison to purge ${p}`;
    await redis.rPush(`${p}jobs`, value);
    await feedEntry(page, value);
    await page.click('#dead-load');
    await page.waitForSelector('#dead-list .dead button.danger');
    await page.click('#dead-list .dead button.danger'); // Purge
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-cancel');
    await page.waitForSelector('#confirm-dialog:not([open])');
    expect(await redis.lRange(`${p}jobs:deadletter`, 0, -1)).toEqual([expect.stringContaining(value)]);

    await page.click('#dead-list .dead button.danger');
    await page.waitForSelector('#confirm-dialog[open]');
    expect(await page.$eval('#confirm-text', (e) => e.textContent)).toBe('Delete this dead letter for good?');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => document.getElementById('dead-result')?.textContent === 'Purged 1.');
    expect(await redis.lLen(`${p}jobs:deadletter`)).toBe(0);
    // the page reloads the list after it shows the result
    await page.waitForFunction(() => document.querySelectorAll('#dead-list .dead').length === 0);
  });

  it('serves the page with a strict content security policy and no inline script', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.body).not.toMatch(/\sstyle=|\son[a-z]+=/);
    for (const name of ['app', 'api', 'dom', 'functions', 'feed', 'act']) {
      const script = await get(`/board/${name}.js`);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    }
    expect((await get('/board/app.css')).status).toBe(200);
  });

  it('refuses a cross-origin POST', async () => {
    const body = JSON.stringify({ input: 'from another site' });
    const refused = await post('/admin/functions/onOrder', body, { origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    const accepted = await post('/admin/functions/onOrder', body, { origin: `http://127.0.0.1:${port}` });
    expect(accepted.status).toBe(202);
  });

  it('off loopback, takes the key from ?code= and asks for it without', async () => {
    const [keyed, keyedPort] = await startHost(['--bind', '0.0.0.0'], { FUNCTIONS_MASTER_KEY: MASTER_KEY });
    try {
      const page = await openBoard(`http://127.0.0.1:${keyedPort}/?code=${MASTER_KEY}`);
      expect(page.url()).toBe(`http://127.0.0.1:${keyedPort}/`); // the key leaves the address bar
      await redis.publish(`${p}orders:new`, `keyed ${p}`);
      await feedEntry(page, `keyed ${p}`);

      const without = await openBoard(`http://127.0.0.1:${keyedPort}/`, false);
      await without.waitForSelector('#key-form:not([hidden])');
      expect(await without.$eval('#host-line', (e) => e.textContent)).toMatch(/401/);
    } finally {
      keyed.child.kill('SIGKILL');
    }
  }, 30_000);

  it('stops cleanly on SIGINT while a page is connected', async () => {
    await openBoard();
    host.child.kill('SIGINT');
    expect(await host.exited).toEqual({ code: 0, signal: null });
  }, 30_000);
});

function get(pathname: string) {
  return call('GET', pathname, undefined, {});
}

function post(pathname: string, body: string, headers: Record<string, string>) {
  return call('POST', pathname, body, { 'content-type': 'application/json', ...headers });
}

function call(
  method: string,
  pathname: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
