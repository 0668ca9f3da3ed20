// The admin API as the page calls it, and its key: needed off loopback, taken once from ?code=... or
// #key=... (then removed from the address bar) or typed in, kept for the tab, sent as x-functions-key.
import { $ } from './dom.js';

const KEY_STORE = 'redis-func-key';

export function takeKeyFromUrl() {
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

export const adminKey = () => sessionStorage.getItem(KEY_STORE) || '';

/** Keeps the key for this tab (sessionStorage). */
export function saveKey(key) {
  sessionStorage.setItem(KEY_STORE, key);
}

export function askForKey(message) {
  $('key-form').hidden = false;
  $('key-note').textContent = message;
}
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
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
