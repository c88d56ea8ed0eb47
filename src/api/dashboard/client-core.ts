/**
 * Browser code, part 1 of 4: state, DOM helpers, formatting, the authenticated fetch, toasts and
 * the theme. Plain JavaScript in a string (the page must be one self-contained file), type-checked
 * against the DOM by test/unit/api/dashboard/script-typecheck.test.ts; page.ts wraps the parts in
 * one strict-mode function. Server data only ever reaches the DOM through
 * textContent or attribute values set by code: usernames and event details are attacker-influenced.
 * No backticks and no dollar-brace in these strings: they are String.raw templates.
 */
export const CLIENT_CORE = String.raw`
const TOKEN_KEY = 'sks5.dashboard.token';
const THEME_KEY = 'sks5.dashboard.theme';
const state = { token: null, snapshot: null, fpFilter: '' };

/** @param {string} id @returns {HTMLElement} Every id the code asks for is in the page's markup. */
const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error('dashboard markup has no #' + id);
  return node;
};
/** Form controls and the dialog by id, typed for the checker (test/unit/api/dashboard/script-typecheck.test.ts). */
const input = (id) => /** @type {HTMLInputElement} */ ($(id));
const dialog = (id) => /** @type {HTMLDialogElement} */ ($(id));

/** Creates an element; text goes through textContent, never markup. */
function el(tag, opts, children) {
  const node = document.createElement(tag);
  if (opts) {
    if (opts.className) node.className = opts.className;
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.title) node.title = String(opts.title);
    if (opts.type) node.type = opts.type;
    if (opts.onClick) node.addEventListener('click', opts.onClick);
    if (opts.data) for (const k of Object.keys(opts.data)) node.dataset[k] = String(opts.data[k]);
  }
  if (children) for (const c of children) node.append(c);
  return node;
}

function setText(id, value) {
  const node = $(id);
  const text = String(value);
  if (node.textContent !== text) node.textContent = text;
}

/** The message of a thrown value (an Error, or anything else thrown). @param {unknown} err */
function errorText(err) {
  return err instanceof Error && err.message ? err.message : String(err);
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function fmtBytes(v) {
  let n = num(v);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
}

function fmtRate(bytesPerSec) {
  return fmtBytes(bytesPerSec) + '/s';
}

function fmtDuration(secs) {
  let s = Math.max(0, Math.floor(num(secs)));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d > 0) return d + 'd ' + h + 'h';
  if (h > 0) return h + 'h ' + m + 'm';
  if (m > 0) return m + 'm ' + s + 's';
  return s + 's';
}

/** Local time; the date only when it is not today (the full value is in the title). */
function fmtTime(iso) {
  if (typeof iso !== 'string' || iso === '') return '-';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toDateString() === new Date().toDateString() ? t.toLocaleTimeString() : t.toLocaleString();
}

/** "used / limit" with the limit shown only when one is set (0 means unlimited). */
function usage(used, limit, fmt) {
  return limit > 0 ? fmt(used) + ' / ' + fmt(limit) : fmt(used);
}

function toast(kind, text) {
  const box = el('div', { className: 'toast ' + kind, text: text });
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  $('toasts').append(box);
  setTimeout(() => box.remove(), kind === 'error' ? 9000 : 4000);
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/**
 * Every API call: the token goes in the Authorization header only. A 401 signs out with a clear
 * message (the token is wrong or was rotated), whichever call saw it first.
 */
async function api(method, path, body) {
  const headers = { authorization: 'Bearer ' + state.token, accept: 'application/json' };
  /** @type {RequestInit} */
  const init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'cannot reach the API (' + (err instanceof Error && err.message ? err.message : 'network error') + ')');
  }
  let payload = null;
  try { payload = await res.json(); } catch { payload = null; }
  if (res.status === 401) {
    signOut('The API refused this token (401 unauthorized). Check [api] token and sign in again.');
    throw new ApiError(401, 'unauthorized');
  }
  if (res.status === 503 && payload && payload.error === 'API token not configured') {
    signOut('The server has no API token configured ([api] token is empty): every API call is refused.');
    throw new ApiError(503, payload.error);
  }
  if (!res.ok || !payload || payload.success !== true) {
    const why = payload && typeof payload.error === 'string' ? payload.error : 'HTTP ' + res.status;
    throw new ApiError(res.status, why);
  }
  return payload;
}

/** Runs an operator action: errors become a toast (a 401 has already signed out); true on success. */
async function act(button, work) {
  if (button) button.disabled = true;
  try {
    await work();
    return true;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast('error', errorText(err));
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  $('theme-toggle').textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
}

function initTheme() {
  let theme = null;
  try { theme = localStorage.getItem(THEME_KEY); } catch { theme = null; }
  if (theme !== 'dark' && theme !== 'light') theme = matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  applyTheme(theme);
  $('theme-toggle').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    try { localStorage.setItem(THEME_KEY, next); } catch { /* private mode: the toggle still works for this page */ }
  });
}
`;
