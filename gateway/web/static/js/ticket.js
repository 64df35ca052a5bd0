// A citizen's ticket: polls its status with If-None-Match (an unchanged ticket
// answers 304 with no body), slows down when the page is hidden, stops when
// the ticket is finished, and makes itself noticed when the number is called.
import { $, api, counterLabel, HttpError, loadTexts, nowClock, setText, t } from './core.js';
import { Announcer } from './speech.js';
import { forgetTicket, rememberTicket } from './mytickets.js';

const token = document.body.dataset.token;
const office = document.body.dataset.office;
const TERMINAL = ['done', 'no_show', 'cancelled'];
const announcer = new Announcer();
let status = document.body.dataset.status;
let recalls = null;
let etag = null;
let failures = 0;
let timer = null;
let issuedAt = null;
let names = {};
try { names = JSON.parse(document.body.dataset.names || '{}'); } catch (e) { /* codes then */ }
const baseTitle = document.title;
let countersOpen = null; // of this ticket's service, asked only while there is no estimate

/** The estimate, and why there is none; never "± 0 minutes" (the same rules as hall.estimate_texts). */
function estimateTexts(minutes) {
  if (minutes === 0) return [t('ticket.estimate_soon'), ''];
  if (minutes != null) return [t('ticket.minutes', { n: minutes }), ''];
  return [t('ticket.no_estimate'), countersOpen === 0 ? t('ticket.no_estimate_no_counter') : t('ticket.no_estimate_no_data')];
}

async function askCountersOpen(view) {
  if (view.status !== 'waiting' || view.estimated_wait_minutes != null) { countersOpen = null; return; }
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(view.office_id)}/services`);
    countersOpen = data.find((s) => s.code === view.service)?.counters_open ?? null;
  } catch (e) { /* the general reason then */ }
}

function interval() {
  if (failures) return Math.min(4000 * 2 ** failures, 60000);
  if (document.hidden) return 15000;
  return status === 'waiting' ? 4000 : 3000;
}

// A no-show can be taken back at the counter for 120 s (services/queue/domain.py
// UNDO_NO_SHOW_SECONDS): the page keeps asking a little longer than that.
const UNDO_WATCH_MS = 150000;
let noShowSince = null;

function schedule() {
  clearTimeout(timer);
  if (status === 'no_show') noShowSince ??= Date.now();
  else noShowSince = null;
  if (!TERMINAL.includes(status)) timer = setTimeout(poll, interval());
  else if (noShowSince !== null && Date.now() - noShowSince < UNDO_WATCH_MS) timer = setTimeout(poll, 5000);
}

function render(view) {
  const main = t(`status.${view.status}`, { counter: counterLabel(view.counter_name || view.counter || '') });
  let detail = '';
  if (view.status === 'called') {
    detail = t('ticket.called_text');
    if (view.recalls) detail += ` ${t('ticket.recalls', { n: view.recalls + 1 })}`; // as the board counts
  } else if (view.status === 'no_show') detail = t('ticket.no_show_text');
  else if (view.status === 'cancelled') detail = t('ticket.cancelled_text');
  else if (view.status === 'waiting' && view.from_service) detail = t('ticket.transferred_from', { service: names[view.from_service] || view.from_service });
  const box = $('#status');
  box.className = `status status-${view.status}`;
  // One live region, updated as a whole (aria-atomic), so it is read once per change.
  setText($('#status-main'), main);
  setText($('#status-detail'), detail);
  const waiting = view.status === 'waiting';
  $('#facts').hidden = !waiting;
  setText($('#ahead'), waiting ? String(view.people_ahead) : '–');
  const [estimate, why] = estimateTexts(view.estimated_wait_minutes);
  setText($('#estimate'), waiting ? estimate : '–');
  setText($('#estimate-why'), waiting ? why : '');
  $('#estimate-why').hidden = !waiting || !why;
  // Read out with the status (the live region is atomic): people ahead and the estimate.
  setText($('#status-live'), waiting ? t('ticket.live', {
    ahead: view.people_ahead ? t('kiosk.ahead', { n: view.people_ahead }) : t('kiosk.ahead_none'), estimate,
  }) : '');
  $('#cancel-form').hidden = !waiting;
  document.body.dataset.status = view.status;
  const over = TERMINAL.includes(view.status);
  $('#auto').hidden = over;
  $('#next-step').hidden = !over;
  rememberTicket(token, { status: view.status });
  $('#sound').hidden = over || !(window.AudioContext || window.webkitAudioContext); // back after an undone no-show
  document.title = view.status === 'called' ? `${t('ticket.called_title', { number: view.number })} · Senja` : baseTitle;
}

function alertCalled(view) {
  const first = status !== 'called';
  const recalled = !first && recalls !== null && view.recalls > recalls;
  if (view.status !== 'called' || (!first && !recalled)) return;
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  announcer.announce('', { chime: true });
}

async function poll() {
  try {
    const resp = await api(`/api/v1/tickets/${encodeURIComponent(token)}`, { etag });
    failures = 0;
    $('#offline').hidden = true;
    if (resp.status === 200) {
      etag = resp.etag;
      const view = resp.data;
      await askCountersOpen(view);
      alertCalled(view);
      render(view);
      status = view.status;
      recalls = view.recalls;
      issuedAt = view.issued_at;
    }
    setText($('#updated'), `· ${t('ticket.updated', { time: nowClock(issuedAt) })}`);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      forgetTicket(token);
      location.reload(); // the server renders the "unknown ticket" page
      return;
    }
    failures += 1;
    setText($('#offline'), t('ticket.offline'));
    $('#offline').hidden = false;
  }
  schedule();
}

function setupSound() {
  const button = $('#sound');
  if (!window.AudioContext && !window.webkitAudioContext) return;
  button.hidden = TERMINAL.includes(status);
  button.addEventListener('click', () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    if (on) { announcer.enable(); announcer.announce('', { chime: true }); } else announcer.disable();
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? t('ticket.sound_active') : t('ticket.sound');
  });
}

async function main() {
  await loadTexts();
  $('#auto').hidden = TERMINAL.includes(status);
  setupSound();
  $('#cancel-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!window.confirm(t('ticket.cancel_confirm'))) return;
    try {
      const { data } = await api(`/api/v1/tickets/${encodeURIComponent(token)}`, { method: 'DELETE' });
      render(data);
      status = data.status;
      etag = null;
      $('#sound').hidden = true;
      $('#auto').hidden = true;
    } catch (e) {
      setText($('#offline'), e instanceof HttpError ? (e.problem.detail || t('error.generic')) : t('error.network'));
      $('#offline').hidden = false;
    }
  });
  // Back online or back to the tab: ask at once instead of waiting out the back-off.
  const now = () => { clearTimeout(timer); failures = 0; poll(); };
  document.addEventListener('visibilitychange', () => { if (!document.hidden) now(); });
  window.addEventListener('online', now);
  const showOffline = () => {
    setText($('#offline'), t('ticket.offline'));
    $('#offline').hidden = false;
  };
  window.addEventListener('offline', showOffline);
  if (navigator.onLine === false) showOffline(); // opened from the cache without a network
  const { number, officeName, date } = document.body.dataset;
  rememberTicket(token, { number, office, officeName, date, status });
  poll();
}

main();
