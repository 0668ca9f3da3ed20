// The live feed: server-sent events from GET /admin/board/events, one message per flush with the
// invocations the host sent and how many there were (a busy feed is sampled: the page says so).
import { adminKey } from './api.js';
import { $, clock, duration, el, syncSelect } from './dom.js';

const FEED_ROWS = 300;
const PREVIEW_CHARS = 120;
const feed = { paused: false, held: [], heldCount: 0, windows: [], source: undefined };

export function connectFeed() {
  feed.source?.close();
  const params = new URLSearchParams();
  const fn = $('feed-function').value;
  const status = $('feed-status').value;
  if (fn) params.set('function', fn);
  if (status) params.set('status', status);
  const key = adminKey();
  if (key) params.set('code', key);
  const source = new EventSource(`/admin/board/events?${params}`);
  feed.source = source;
  const connection = $('feed-connection');
  source.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'note good';
  });
  source.addEventListener('error', () => {
    connection.textContent = source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…';
    connection.className = 'note warn';
    if (source.readyState === EventSource.CLOSED && feed.source === source) setTimeout(connectFeed, 3000);
  });
  source.addEventListener('invocations', (event) => received(JSON.parse(event.data)));
}

function feedFilterChanged() {
  for (const item of $('feed').children)
    item.hidden = !matchesFilter(item.dataset.function, item.dataset.status);
  feed.windows = [];
  connectFeed();
}

function matchesFilter(fn, status) {
  const wantedFn = $('feed-function').value;
  const wantedStatus = $('feed-status').value;
  return (
    (!wantedFn || wantedFn.toLowerCase() === fn.toLowerCase()) && (!wantedStatus || wantedStatus === status)
  );
}

function received(message) {
  feed.windows.push({ at: Date.now(), received: message.received, shown: message.entries.length });
  showRate();
  if (feed.paused) {
    feed.heldCount += message.received;
    feed.held.push(...message.entries);
    if (feed.held.length > FEED_ROWS) feed.held.splice(0, feed.held.length - FEED_ROWS);
    $('feed-pause').textContent = `Resume (${feed.heldCount.toLocaleString('en-US')} new)`;
    return;
  }
  addEntries(message.entries);
}

function showRate() {
  const since = Date.now() - 1000;
  feed.windows = feed.windows.filter((w) => w.at > since);
  let received = 0;
  let shown = 0;
  for (const w of feed.windows) {
    received += w.received;
    shown += w.shown;
  }
  const note = $('feed-note');
  if (received === 0) {
    note.textContent = 'No invocations in the last second.';
    note.className = 'feed-note';
  } else if (shown < received) {
    note.textContent =
      `Showing ${shown.toLocaleString('en-US')} of ${received.toLocaleString('en-US')} invocations in the last second ` +
      '(the host sends a sample of a busy feed and counts the rest).';
    note.className = 'feed-note sampled';
  } else {
    note.textContent = `${received.toLocaleString('en-US')} invocation(s) in the last second, all shown.`;
    note.className = 'feed-note';
  }
}

function addEntries(entries) {
  if (entries.length === 0) return;
  const list = $('feed');
  const fragment = document.createDocumentFragment();
  for (let i = entries.length - 1; i >= 0; i--) fragment.appendChild(feedItem(entries[i]));
  list.prepend(fragment);
  while (list.children.length > FEED_ROWS) list.lastElementChild.remove();
}

function feedItem(entry) {
  const item = el('li', `entry ${entry.status}`);
  item.dataset.function = entry.function;
  item.dataset.status = entry.status;
  item.dataset.id = entry.id;
  item.hidden = !matchesFilter(entry.function, entry.status);
  const head = el('div', 'entry-head');
  head.append(
    el('time', 'at', clock(entry.at)),
    el('span', 'fn', entry.function),
    el('span', `status ${entry.status}`, entry.status),
    el('span', 'duration', duration(entry.durationMs)),
  );
  if (entry.attempt > 1) head.appendChild(el('span', 'attempt', `attempt ${entry.attempt}`));
  head.appendChild(el('span', 'reason', entry.reason));
  item.appendChild(head);
  item.appendChild(inputDetails(entry));
  if (entry.error !== undefined) item.appendChild(el('pre', 'error', entry.error));
  if (entry.logs.length > 0) {
    const logs = el('ol', 'logs');
    for (const line of entry.logs)
      logs.appendChild(el('li', `log ${line.level}`, `[${line.level}] ${line.message}`));
    if (entry.moreLogs > 0) logs.appendChild(el('li', 'log more', `… ${entry.moreLogs} more line(s)`));
    item.appendChild(logs);
  }
  return item;
}

function inputDetails(entry) {
  const details = el('details', 'input');
  const cut = entry.input.length > PREVIEW_CHARS;
  const summary = el(
    'summary',
    'input-preview',
    cut ? `${entry.input.slice(0, PREVIEW_CHARS)}…` : entry.input,
  );
  if (entry.input === '') summary.textContent = '(empty input)';
  details.appendChild(summary);
  const full = el('pre', 'input-full', entry.input);
  details.appendChild(full);
  if (entry.inputLength > entry.input.length) {
    const left = (entry.inputLength - entry.input.length).toLocaleString('en-US');
    details.appendChild(el('p', 'note', `… ${left} more character(s) not sent to the page`));
  }
  if (!cut && entry.inputLength === entry.input.length) details.classList.add('short');
  return details;
}

/** The function filter's choices follow the host's functions. */
export function feedFunctionsChanged(functions) {
  syncSelect($('feed-function'), functions, true);
}

export function startFeed() {
  $('feed-function').addEventListener('change', feedFilterChanged);
  $('feed-status').addEventListener('change', feedFilterChanged);
  $('feed-clear').addEventListener('click', () => $('feed').replaceChildren());
  $('feed-pause').addEventListener('click', () => {
    feed.paused = !feed.paused;
    $('feed-pause').textContent = feed.paused ? 'Resume' : 'Pause';
    $('feed-section').classList.toggle('paused', feed.paused);
    if (!feed.paused) {
      addEntries(feed.held);
      feed.held = [];
      feed.heldCount = 0;
    }
  });
  setInterval(showRate, 1000);
  connectFeed();
}
