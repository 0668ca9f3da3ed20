// Acting on a function: run it, send it a test message, browse / requeue / purge its dead letters.
import { api } from './api.js';
import { $, confirmAction, el, syncSelect } from './dom.js';
import { currentFunctions } from './functions.js';

let chosen;

const actFn = () => currentFunctions().find((f) => f.name === chosen);
const fnPath = (name) => encodeURIComponent(name);

export function selectAct(name) {
  chosen = name || undefined;
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
    $('dead-requeue-all').disabled = true;
    $('dead-purge-all').disabled = true;
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
  if (!(await confirmAction(question, label, action === 'purge'))) return;
  try {
    const reply = await api('POST', `/admin/board/functions/${fnPath(fn.name)}/deadletters/${action}`, body);
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

/** The Act panel's choices follow the host's functions; the first is chosen until one is. */
export function actFunctionsChanged(functions) {
  syncSelect($('act-function'), functions, false);
  if (!chosen || !functions.some((f) => f.name === chosen)) selectAct($('act-function').value);
}
