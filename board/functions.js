// The host's state and the functions table: read every 2 seconds from GET /admin/board/state.
import { api } from './api.js';
import { $, count, duration, el, rate, svg } from './dom.js';

const STATE_EVERY_MS = 2000;
const rows = new Map();
let known = [];
let handlers = { onPick: () => undefined, onFunctions: () => undefined };

/** The functions as last read. */
export const currentFunctions = () => known;

/**
 * Starts reading the state. `onPick(name)`: a function's name was clicked; `onFunctions(functions)`: the
 * functions as read, after every read.
 */
export function startFunctions(given) {
  handlers = given;
  pollState();
}

export async function refreshState() {
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
  known = state.functions;
  const seen = new Set();
  const body = $('function-rows');
  for (const fn of state.functions) {
    seen.add(fn.name);
    let row = rows.get(fn.name);
    if (!row) {
      row = functionRow(fn);
      rows.set(fn.name, row);
    }
    body.appendChild(row.tr); // keeps the host's order
    updateRow(row, fn, host.bucketMs);
  }
  for (const [name, row] of rows) {
    if (!seen.has(name)) {
      row.tr.remove();
      rows.delete(name);
    }
  }
  $('functions-empty').hidden = state.functions.length > 0;
  handlers.onFunctions(state.functions);
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
  pick.addEventListener('click', () => handlers.onPick(fn.name));
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
