// Small DOM helpers for the board. Whatever the host sends is set as text (textContent, attributes),
// never parsed as markup: a message holding <script> shows as text.
const SVG = 'http://www.w3.org/2000/svg';

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

export function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

export const count = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

export function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function rate(r) {
  if (!r) return '0';
  return r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US');
}

export function clock(at) {
  const d = new Date(at);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Asks in the page's dialog; resolves true for OK. `destructive` shows the OK button in red. */
export function confirmAction(text, okLabel, destructive) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  $('confirm-ok').className = destructive ? 'danger' : '';
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

export function syncSelect(select, functions, withAll) {
  const names = functions.map((f) => f.name);
  const current = [...select.options].map((o) => o.value).filter((v) => v !== '' || !withAll);
  if (current.join('\n') === names.join('\n')) return;
  const value = select.value;
  select.replaceChildren();
  if (withAll) select.appendChild(new Option('all', ''));
  for (const name of names) select.appendChild(new Option(name, name));
  if ([...select.options].some((o) => o.value === value)) select.value = value;
}
