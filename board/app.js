// The redis-func board: plain browser JavaScript, no framework, no build step.
// Everything the host sends is shown with textContent / createElement, never parsed as markup.
'use strict';

(() => {
  const STATE_EVERY_MS = 2000;
  const FEED_ROWS = 300;
  const PREVIEW_CHARS = 120;
  const KEY_STORE = 'redis-func-key';
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const board = {
    functions: [],
    rows: new Map(),
    paused: false,
    held: [],
    heldCount: 0,
    windows: [],
    source: undefined,
    act: undefined,
  };

  // ---- the admin key (needed off loopback): ?code=... or #key=... once, then sessionStorage ----

  function takeKeyFromUrl() {
    const url = new URL(location.href);
    const hash = new URLSearchParams(url.hash.slice(1));
    const key = url.searchParams.get('code') || hash.get('key');
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    url.searchParams.delete('code');
    hash.delete('key');
    url.hash = hash.toString();
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }

  const adminKey = () => sessionStorage.getItem(KEY_STORE) || '';

  function askForKey(message) {
    $('key-form').hidden = false;
    $('key-note').textContent = message;
  }

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, $('key-input').value);
    $('key-input').value = '';
    $('key-note').textContent = 'Key saved for this tab.';
    connectFeed();
    void refreshState();
  });

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    const key = adminKey();
    if (key) headers['x-functions-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (response.status === 401) askForKey('This host needs its admin key.');
    if (!response.ok) {
      const reason = data && typeof data.error === 'string' ? data.error : text || response.statusText;
      throw new HttpError(response.status, `${response.status}: ${reason}`);
    }
    return data;
  }

  // ---- small DOM helpers (text only) ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    return node;
  }

  const count = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

  function duration(ms) {
    if (typeof ms !== 'number') return '–';
    if (ms < 1) return `${ms.toFixed(2)} ms`;
    if (ms < 1000) return `${Math.round(ms)} ms`;
    return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  }

  function rate(r) {
    if (!r) return '0';
    return r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US');
  }

  function clock(at) {
    const d = new Date(at);
    const pad = (n, w = 2) => String(n).padStart(w, '0');
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  function confirmAction(text, okLabel) {
    const dialog = $('confirm-dialog');
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel;
    return new Promise((resolve) => {
      const done = (answer) => {
        $('confirm-ok').removeEventListener('click', ok);
        $('confirm-cancel').removeEventListener('click', cancel);
        dialog.removeEventListener('cancel', cancel);
        if (dialog.open) dialog.close();
        resolve(answer);
      };
      const ok = () => done(true);
      const cancel = () => done(false);
      $('confirm-ok').addEventListener('click', ok);
      $('confirm-cancel').addEventListener('click', cancel);
      dialog.addEventListener('cancel', cancel);
      dialog.showModal();
    });
  }

  // ---- the host and its functions ----

  async function refreshState() {
    try {
      const state = await api('GET', '/admin/board/state');
      showState(state);
    } catch (error) {
      $('host-line').textContent = `Cannot read the host's state (${error.message}).`;
      $('host-line').className = 'host-line bad';
    }
  }

  function pollState() {
    void refreshState().finally(() => setTimeout(pollState, STATE_EVERY_MS));
  }

  function showState(state) {
    const { host } = state;
    const line = $('host-line');
    line.textContent =
      `Host ${host.state} · version ${host.version} · ${host.instances} instance(s) · ` +
      `${state.functions.length} function(s)`;
    line.className = `host-line ${host.state === 'running' ? 'good' : 'warn'}`;
    const bars = state.functions[0] ? state.functions[0].history.succeeded.length : 60;
    $('chart-head').textContent = `Last ${Math.round((host.bucketMs * bars) / 60000)} min`;
    board.functions = state.functions;
    const seen = new Set();
    const body = $('function-rows');
    for (const fn of state.functions) {
      seen.add(fn.name);
      let row = board.rows.get(fn.name);
      if (!row) {
        row = functionRow(fn);
        board.rows.set(fn.name, row);
      }
      body.appendChild(row.tr); // keeps the host's order
      updateRow(row, fn, host.bucketMs);
    }
    for (const [name, row] of board.rows) {
      if (!seen.has(name)) {
        row.tr.remove();
        board.rows.delete(name);
      }
    }
    $('functions-empty').hidden = state.functions.length > 0;
    syncSelect($('feed-function'), state.functions, true);
    syncSelect($('act-function'), state.functions, false);
    if (!board.act || !board.functions.some((f) => f.name === board.act)) selectAct($('act-function').value);
  }

  const CELLS = [
    'trigger',
    'mode',
    'state',
    'succeeded',
    'failed',
    'rate',
    'p50',
    'p99',
    'backlog',
    'pending',
    'target',
    'chart',
  ];

  function functionRow(fn) {
    const tr = el('tr');
    tr.dataset.function = fn.name;
    const name = el('td', 'name');
    const pick = el('button', 'link', fn.name);
    pick.type = 'button';
    pick.title = 'Run it, send it a test message, see its dead letters';
    pick.addEventListener('click', () => {
      selectAct(fn.name);
      $('act-section').scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
    name.appendChild(pick);
    tr.appendChild(name);
    const cells = {};
    for (const cell of CELLS) {
      cells[cell] = el('td', `c-${cell}`);
      tr.appendChild(cells[cell]);
    }
    cells.trigger.append(el('span', 'trigger-type'), el('span', 'source'));
    return { tr, cells };
  }

  function updateRow(row, fn, bucketMs) {
    const { cells } = row;
    cells.trigger.firstChild.textContent = fn.trigger;
    cells.trigger.lastChild.textContent = fn.source;
    cells.mode.textContent = fn.mode;
    cells.state.textContent = fn.state;
    cells.state.className = `c-state state-${fn.state}`;
    cells.succeeded.textContent = count(fn.succeeded);
    cells.failed.textContent = count(fn.failed);
    cells.failed.classList.toggle('bad', fn.failed > 0);
    cells.rate.textContent = rate(fn.ratePerSecond);
    cells.p50.textContent = duration(fn.p50Ms);
    cells.p99.textContent = duration(fn.p99Ms);
    cells.backlog.textContent = count(fn.backlog);
    cells.pending.textContent = count(fn.pending);
    cells.target.textContent = count(fn.target);
    for (const name of ['succeeded', 'failed', 'rate', 'p50', 'p99', 'backlog', 'pending', 'target'])
      cells[name].classList.add('num');
    cells.chart.replaceChildren(chart(fn.history, bucketMs));
  }

  /** Invocations per bar, succeeded below and failed on top, scaled to the busiest bar. */
  function chart(history, bucketMs) {
    const bars = history.succeeded.length;
    const width = 2;
    const height = 26;
    const root = svg('svg', {
      width: bars * width,
      height,
      viewBox: `0 0 ${bars * width} ${height}`,
      class: 'chart',
    });
    let max = 0;
    let total = 0;
    let failures = 0;
    for (let i = 0; i < bars; i++) {
      const sum = history.succeeded[i] + history.failed[i];
      max = Math.max(max, sum);
      total += sum;
      failures += history.failed[i];
    }
    const title = svg('title', {});
    const minutes = Math.round((bars * bucketMs) / 60000);
    title.textContent = `${total.toLocaleString('en-US')} invocation(s) in the last ${minutes} min, ${failures.toLocaleString('en-US')} failed (one bar: ${bucketMs / 1000} s)`;
    root.appendChild(title);
    root.appendChild(
      svg('line', { x1: 0, y1: height - 0.5, x2: bars * width, y2: height - 0.5, class: 'axis' }),
    );
    if (max === 0) return root;
    for (let i = 0; i < bars; i++) {
      const ok = (history.succeeded[i] / max) * (height - 1);
      const bad = (history.failed[i] / max) * (height - 1);
      if (ok > 0)
        root.appendChild(
          svg('rect', { x: i * width, y: height - 1 - ok, width: width - 0.4, height: ok, class: 'ok' }),
        );
      if (bad > 0)
        root.appendChild(
          svg('rect', {
            x: i * width,
            y: height - 1 - ok - bad,
            width: width - 0.4,
            height: bad,
            class: 'bad',
          }),
        );
    }
    return root;
  }

  function syncSelect(select, functions, withAll) {
    const names = functions.map((f) => f.name);
    const current = [...select.options].map((o) => o.value).filter((v) => v !== '' || !withAll);
    if (current.join('\n') === names.join('\n')) return;
    const value = select.value;
    select.replaceChildren();
    if (withAll) select.appendChild(new Option('all', ''));
    for (const name of names) select.appendChild(new Option(name, name));
    if ([...select.options].some((o) => o.value === value)) select.value = value;
  }

  // ---- the live feed ----

  function connectFeed() {
    board.source?.close();
    const params = new URLSearchParams();
    const fn = $('feed-function').value;
    const status = $('feed-status').value;
    if (fn) params.set('function', fn);
    if (status) params.set('status', status);
    const key = adminKey();
    if (key) params.set('code', key);
    const source = new EventSource(`/admin/board/events?${params}`);
    board.source = source;
    const connection = $('feed-connection');
    source.addEventListener('open', () => {
      connection.textContent = 'live';
      connection.className = 'note good';
    });
    source.addEventListener('error', () => {
      connection.textContent = source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…';
      connection.className = 'note warn';
      if (source.readyState === EventSource.CLOSED && board.source === source) setTimeout(connectFeed, 3000);
    });
    source.addEventListener('invocations', (event) => received(JSON.parse(event.data)));
  }

  function feedFilterChanged() {
    for (const item of $('feed').children)
      item.hidden = !matchesFilter(item.dataset.function, item.dataset.status);
    board.windows = [];
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
    board.windows.push({ at: Date.now(), received: message.received, shown: message.entries.length });
    showRate();
    if (board.paused) {
      board.heldCount += message.received;
      board.held.push(...message.entries);
      if (board.held.length > FEED_ROWS) board.held.splice(0, board.held.length - FEED_ROWS);
      $('feed-pause').textContent = `Resume (${board.heldCount.toLocaleString('en-US')} new)`;
      return;
    }
    addEntries(message.entries);
  }

  function showRate() {
    const since = Date.now() - 1000;
    board.windows = board.windows.filter((w) => w.at > since);
    let received = 0;
    let shown = 0;
    for (const w of board.windows) {
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

  $('feed-function').addEventListener('change', feedFilterChanged);
  $('feed-status').addEventListener('change', feedFilterChanged);
  $('feed-clear').addEventListener('click', () => $('feed').replaceChildren());
  $('feed-pause').addEventListener('click', () => {
    board.paused = !board.paused;
    $('feed-pause').textContent = board.paused ? 'Resume' : 'Pause';
    $('feed-section').classList.toggle('paused', board.paused);
    if (!board.paused) {
      addEntries(board.held);
      board.held = [];
      board.heldCount = 0;
    }
  });
  setInterval(showRate, 1000);

  // ---- acting on a function: run, send a test message, dead letters ----

  const actFn = () => board.functions.find((f) => f.name === board.act);
  const fnPath = (name) => encodeURIComponent(name);

  function selectAct(name) {
    board.act = name || undefined;
    $('act-function').value = name || '';
    const fn = actFn();
    $('act-trigger').textContent = fn ? `${fn.trigger}: ${fn.source}` : '';
    for (const id of ['run-result', 'send-result', 'dead-result']) $(id).textContent = '';
    showSendForm(fn);
    $('dead-list').replaceChildren();
    const dead = fn && (fn.trigger === 'list' || fn.trigger === 'stream');
    $('dead-card').hidden = !dead;
    if (dead) void loadDeadLetters();
  }

  function showSendForm(fn) {
    const form = $('send-form');
    form.hidden = !fn || !['pubsub', 'list', 'stream'].includes(fn.trigger);
    if (form.hidden) return;
    const rows = {
      channel: fn.trigger === 'pubsub',
      key: fn.trigger !== 'pubsub',
      end: fn.trigger === 'list',
    };
    $('send-channel-row').hidden = !rows.channel;
    $('send-key-row').hidden = !rows.key;
    $('send-end-row').hidden = !rows.end;
    $('send-channel').required = false; // a hidden field must not block the form
    $('send-message-row').hidden = fn.trigger === 'stream';
    $('send-fields-row').hidden = fn.trigger !== 'stream';
    const how = {
      pubsub: 'PUBLISH to a channel',
      list: 'LPUSH or RPUSH to the list',
      stream: 'XADD to the stream',
    };
    $('send-how').textContent = `Writes to Redis the way the trigger reads it: ${how[fn.trigger]}.`;
    if (rows.channel) {
      const pattern = fn.mode === 'PSUBSCRIBE';
      $('send-channel').value = pattern ? '' : fn.source;
      $('send-channel').placeholder = pattern ? `a channel matching ${fn.source}` : fn.source;
      $('send-channel').required = pattern;
    }
    if (rows.key) {
      const keys = fn.trigger === 'stream' ? fn.source.replace(/ \(group .*\)$/, '') : fn.source;
      const select = $('send-key');
      select.replaceChildren();
      for (const key of keys.split(', ')) select.appendChild(new Option(key, key));
    }
  }

  $('act-function').addEventListener('change', () => selectAct($('act-function').value));

  function report(id, ok, text) {
    $(id).textContent = text;
    $(id).className = `result ${ok ? 'good' : 'bad'}`;
  }

  $('run-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const fn = actFn();
    if (!fn) return;
    try {
      await api('POST', `/admin/functions/${fnPath(fn.name)}`, { input: $('run-input').value });
      report('run-result', true, `Started ${fn.name}: watch the live feed.`);
    } catch (error) {
      report('run-result', false, error.message);
    }
  });

  function sendBody(fn) {
    if (fn.trigger === 'pubsub') {
      const channel = $('send-channel').value;
      return { message: $('send-message').value, ...(channel ? { channel } : {}) };
    }
    if (fn.trigger === 'list') {
      const end = $('send-end').value; // none: the server queues it behind the waiting elements
      return { message: $('send-message').value, key: $('send-key').value, ...(end ? { end } : {}) };
    }
    const fields = {};
    for (const line of $('send-fields').value.split('\n')) {
      if (line.trim() === '') continue;
      const at = line.indexOf('=');
      if (at < 0) fields[line.trim()] = '';
      else fields[line.slice(0, at).trim()] = line.slice(at + 1);
    }
    return { fields, key: $('send-key').value };
  }

  $('send-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const fn = actFn();
    if (!fn) return;
    try {
      const reply = await api('POST', `/admin/board/functions/${fnPath(fn.name)}/send`, sendBody(fn));
      report('send-result', true, `${reply.command} ${reply.target} → ${reply.result}`);
    } catch (error) {
      report('send-result', false, error.message);
    }
  });

  async function loadDeadLetters() {
    const fn = actFn();
    if (!fn) return;
    const list = $('dead-list');
    try {
      const reply = await api('GET', `/admin/board/functions/${fnPath(fn.name)}/deadletters?count=50`);
      if (actFn() !== fn) return;
      const keys = reply.keys.join(', ');
      $('dead-note').textContent =
        reply.total === 0
          ? `No dead letters in ${keys}.`
          : `${reply.total.toLocaleString('en-US')} in ${keys}${reply.items.length < reply.total ? ` (first ${reply.items.length} shown)` : ''}.`;
      list.replaceChildren(...reply.items.map((item) => deadItem(fn, item)));
      $('dead-requeue-all').disabled = reply.total === 0;
      $('dead-purge-all').disabled = reply.total === 0;
    } catch (error) {
      $('dead-note').textContent = error.message;
      list.replaceChildren();
    }
  }

  function deadItem(fn, item) {
    const li = el('li', 'dead');
    li.dataset.id = item.id;
    const head = el('div', 'entry-head');
    head.append(el('span', 'fn', item.source || item.key), el('span', 'note', `id ${item.id}`));
    if (item.attempts !== undefined) head.appendChild(el('span', 'attempt', `${item.attempts} attempt(s)`));
    li.appendChild(head);
    const value = item.value !== undefined ? item.value : JSON.stringify(item.fields || {});
    li.appendChild(el('pre', 'input-full', value));
    if (item.error) li.appendChild(el('pre', 'error', item.error));
    const buttons = el('div', 'controls');
    const requeue = el('button', 'small', 'Requeue');
    requeue.type = 'button';
    requeue.addEventListener('click', () =>
      deadAction(fn, 'requeue', { id: item.id }, `Requeue this dead letter to ${item.source}?`),
    );
    const purge = el('button', 'small danger', 'Purge');
    purge.type = 'button';
    purge.addEventListener('click', () =>
      deadAction(fn, 'purge', { id: item.id }, 'Delete this dead letter for good?'),
    );
    buttons.append(requeue, purge);
    li.appendChild(buttons);
    return li;
  }

  async function deadAction(fn, action, body, question) {
    const label = action === 'requeue' ? 'Requeue' : 'Purge';
    if (!(await confirmAction(question, label))) return;
    try {
      const reply = await api(
        'POST',
        `/admin/board/functions/${fnPath(fn.name)}/deadletters/${action}`,
        body,
      );
      const n = action === 'requeue' ? reply.requeued : reply.purged;
      report('dead-result', true, `${action === 'requeue' ? 'Requeued' : 'Purged'} ${n}.`);
    } catch (error) {
      report('dead-result', false, error.message);
    }
    await loadDeadLetters();
  }

  $('dead-load').addEventListener('click', () => void loadDeadLetters());
  $('dead-requeue-all').addEventListener('click', () => {
    const fn = actFn();
    if (fn)
      void deadAction(fn, 'requeue', { all: true }, `Requeue every dead letter of ${fn.name} to its source?`);
  });
  $('dead-purge-all').addEventListener('click', () => {
    const fn = actFn();
    if (fn) void deadAction(fn, 'purge', { all: true }, `Delete every dead letter of ${fn.name} for good?`);
  });

  takeKeyFromUrl();
  if (adminKey()) $('key-form').hidden = false;
  connectFeed();
  pollState();
})();
