// A citizen's ticket: polls its status with If-None-Match (an unchanged ticket
// answers 304 with no body), slows down when the page is hidden, stops when
// the ticket is finished, and makes itself noticed when the number is called.
import { $, api, HttpError, loadTexts, nowClock, setText, t } from './core.js';
import { Announcer } from './speech.js';

const token = document.body.dataset.token;
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

function interval() {
  if (failures) return Math.min(4000 * 2 ** failures, 60000);
  if (document.hidden) return 15000;
  return status === 'waiting' ? 4000 : 3000;
}

function schedule() {
  clearTimeout(timer);
  if (!TERMINAL.includes(status)) timer = setTimeout(poll, interval());
}

function render(view) {
  const main = t(`status.${view.status}`, { counter: view.counter_name || view.counter || '' });
  let detail = '';
  if (view.status === 'called') {
    detail = t('ticket.called_text');
    if (view.recalls) detail += ` ${t('ticket.recalls', { n: view.recalls })}`;
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
  setText($('#estimate'), !waiting ? '–' : (view.estimated_wait_minutes == null
    ? t('ticket.no_estimate') : t('ticket.minutes', { n: view.estimated_wait_minutes })));
  $('#cancel-form').hidden = !waiting;
  document.body.dataset.status = view.status;
  const over = TERMINAL.includes(view.status);
  $('#auto').hidden = over;
  if (over) $('#sound').hidden = true;
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
      alertCalled(view);
      render(view);
      status = view.status;
      recalls = view.recalls;
      issuedAt = view.issued_at;
    }
    setText($('#updated'), `· ${t('ticket.updated', { time: nowClock(issuedAt) })}`);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
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
  document.addEventListener('visibilitychange', () => { if (!document.hidden) { clearTimeout(timer); poll(); } });
  poll();
}

main();
