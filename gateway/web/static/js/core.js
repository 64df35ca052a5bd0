// Shared by every page: texts, JSON calls to /api/v1, small DOM helpers.
// Pages are rendered by the server; these modules only keep them current.

export const lang = document.documentElement.lang === 'en' ? 'en' : 'id';
const staticRoot = document.body.dataset.static || '';
let texts = {};
const plural = new Intl.PluralRules(lang);

/** Loads this language's texts: the same gettext catalog as the server's pages
 * (gateway/web/locale), exported as JSON at start and cached for a year. */
export async function loadTexts() {
  try {
    const resp = await fetch(`${staticRoot}/i18n/${lang}.json`);
    if (resp.ok) texts = await resp.json();
  } catch (e) { /* keep the keys; the server-rendered text stays */ }
  return texts;
}

/** t('kiosk.ahead', {n: 3}) -> "3 orang di depan Anda". A plural entry is
 * {one, other, ...} by CLDR category: Intl.PluralRules picks the form, as
 * gettext's Plural-Forms does on the server. */
export function t(key, values = {}) {
  let text = texts[key] ?? key;
  if (text && typeof text === 'object' && !Array.isArray(text) && 'other' in text) {
    text = text[plural.select(Number(values.n))] ?? text.other;
  }
  return typeof text === 'string'
    ? text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m))
    : text;
}

/** Now as "HH.MM" on the office's clock, whose UTC offset `iso` (any of its times) carries. */
export function nowClock(iso) {
  const m = /([+-])(\d\d):?(\d\d)$/.exec(iso || '');
  const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : -new Date().getTimezoneOffset();
  const d = new Date(Date.now() + offset * 60000);
  return `${String(d.getUTCHours()).padStart(2, '0')}${t('time.sep')}${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

const ZONES = { 7: 'WIB', 8: 'WITA', 9: 'WIT' };

/** "HH.MM" of an ISO time with offset, in the office's own clock. */
export function clock(iso) {
  const m = /T(\d\d):(\d\d)/.exec(iso || '');
  return m ? `${m[1]}${t('time.sep')}${m[2]}` : '';
}

/** "besok pukul 08.00 WIB" / "Monday, 24 November at 08:00 WIB" (as gateway/web/i18n.py). */
export function when(iso, today) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d(?::\d\d)?(?:\.\d+)?([+-])(\d\d):?(\d\d)$/.exec(iso || '');
  if (!m) return iso || '';
  const hours = Number(m[5]) * (m[4] === '-' ? -1 : 1);
  const zone = ZONES[hours] || `UTC${m[4]}${Number(m[5])}`;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (today) {
    const next = new Date(Date.parse(`${today}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
    if (date === today) return t('time.rel_at', { rel: t('time.today'), time: clock(iso), zone });
    if (date === next) return t('time.rel_at', { rel: t('time.tomorrow'), time: clock(iso), zone });
  }
  const weekday = (day.getUTCDay() + 6) % 7; // Monday first, as Python's weekday()
  return t('time.at', {
    day: (texts.days || [])[weekday] || '', date: `${Number(m[3])} ${(texts.months || [])[Number(m[2]) - 1] || m[2]}`,
    time: clock(iso), zone,
  });
}

export class HttpError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** The network is down, the request timed out, or the gateway says "try later". */
export class NetworkError extends Error {}

/**
 * fetch() for the JSON API. Resolves {status, data, etag, headers}; 2xx and 304 only.
 * Throws HttpError for 4xx/5xx answers and NetworkError when there is no answer
 * (or 502/503/504, which say the same thing: the request may or may not have happened).
 */
export async function api(path, { method = 'GET', body, headers = {}, timeout = 8000, etag } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  const hdrs = { Accept: 'application/json', ...headers };
  if (body !== undefined) hdrs['Content-Type'] = 'application/json';
  if (etag) hdrs['If-None-Match'] = etag;
  let resp;
  try {
    resp = await fetch(path, {
      method, headers: hdrs, body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctrl.signal, cache: 'no-store', credentials: 'same-origin',
    });
  } catch (e) {
    throw new NetworkError(e.message);
  } finally {
    clearTimeout(timer);
  }
  if ([502, 503, 504].includes(resp.status)) throw new NetworkError(`HTTP ${resp.status}`);
  let data = null;
  if (resp.status !== 204 && resp.status !== 304) {
    const text = await resp.text();
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  }
  if (resp.status >= 400) throw new HttpError(resp.status, data);
  return { status: resp.status, data, etag: resp.headers.get('ETag'), headers: resp.headers };
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Creates an element: el('li', {class: 'x', dataset: {a: 1}}, 'text', child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Sets text only when it changed, so live regions speak changes, not repeats. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function serviceName(svc) {
  return (svc?.names && (svc.names[lang] || svc.names.id)) || svc?.name || svc?.code || '';
}

/** Something like "Kuota habis. Silakan datang lagi besok pukul 08.00 WIB." from a problem. */
export function problemText(problem, today) {
  const key = `reason.${problem?.reason}`;
  let text = problem?.reason && texts[key] ? t(key) : (problem?.detail || t('error.generic'));
  if (problem?.next_session) text += ` ${t('reason.next', { when: when(problem.next_session, today) })}`;
  return text;
}

/** A fresh random key for Idempotency-Key headers. */
export function randomKey(prefix = 'web') {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A counter's name in the page's language: "Loket 2" reads "Counter 2" on an
 * English page (as gateway/web/hall.py counter_label); other names as they are. */
export function counterLabel(name) {
  const m = /^Loket\s+(\S+)$/.exec(name || '');
  return m ? t('counter.label', { n: m[1] }) : (name || '');
}
