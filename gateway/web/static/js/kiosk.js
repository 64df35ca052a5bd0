// Kiosk: the form works without scripts (plain POST); with them a tap takes a
// ticket through the API, with an Idempotency-Key so a retry on a flaky
// network never prints two numbers, and the screen returns to the start.
import { $, $$, api, clock, HttpError, NetworkError, loadTexts, problemText, randomKey, serviceName, setText, sleep, t } from './core.js';

/** "Kamis, 3 Desember 2026" from an ISO time, as the server's t.full_date writes it. */
function fullDate(iso) {
  const [y, m, d] = String(iso).slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return t('time.full_date', { day: t('days')[(day + 6) % 7], d, month: t('months')[m - 1], year: y });
}

const office = document.body.dataset.office;
const today = document.body.dataset.today;
const form = $('#choose');
const view = $('#ticket');
const alertBox = $('#alert');
const RETURN_SECONDS = 60; // on the office's kiosk only: a phone keeps its ticket page
const isKiosk = document.body.dataset.kiosk === '1';
let countdown = null;
let busy = false;
let services = {};

async function take(service) {
  if (busy) return;
  busy = true;
  const key = randomKey('kiosk');  // one key per tap, reused by every retry of it
  const reason = form.querySelector('input[name=priority_reason]:checked')?.value || null;
  const buttons = $$('button.service', form);
  buttons.forEach((b) => { b.setAttribute('aria-disabled', 'true'); });
  setText(alertBox, t('kiosk.taking'));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, data } = await api(`/api/v1/offices/${encodeURIComponent(office)}/tickets`, {
          method: 'POST', headers: { 'Idempotency-Key': key },
          body: { service, channel: 'kiosk', ...(reason ? { priority_reason: reason } : {}) },
        });
        if (status === 200 && isKiosk) { setText(alertBox, t('kiosk.replayed')); return; }
        if (!isKiosk) { location.assign(data.page_url); return; } // the phone's own ticket page
        showTicket(data);
        return;
      } catch (e) {
        if (e instanceof NetworkError && attempt < 4) {
          setText(alertBox, t('error.network'));
          await sleep(1000 * (attempt + 1));
          continue;
        }
        setText(alertBox, e instanceof HttpError ? problemText(e.problem, today) : t('error.generic'));
        refresh();
        return;
      }
    }
  } finally {
    busy = false;
    buttons.forEach((b) => b.removeAttribute('aria-disabled'));
  }
}

function showTicket(ticket) {
  setText(alertBox, '');
  const slot = (name) => view.querySelector(`[data-slot=${name}]`);
  slot('number').textContent = ticket.number;
  slot('service').textContent = services[ticket.service] || ticket.service;
  slot('ahead').textContent = ticket.people_ahead ? t('kiosk.ahead', { n: ticket.people_ahead }) : t('kiosk.ahead_none');
  const minutes = ticket.estimated_wait_minutes;
  slot('estimate').textContent = minutes == null ? t('kiosk.estimate_none')
    : (minutes === 0 ? t('kiosk.estimate_soon') : t('kiosk.estimate', { n: minutes }));
  slot('issued').textContent = ticket.issued_at ? t('kiosk.issued_at', { date: fullDate(ticket.issued_at), time: clock(ticket.issued_at) }) : '';
  const qr = slot('qr');
  qr.src = `${ticket.page_url}/qr.svg`;
  qr.alt = t('kiosk.qr_alt', { number: ticket.number });
  qr.hidden = false;
  const link = slot('link');
  link.href = ticket.page_url;
  link.textContent = new URL(ticket.page_url, location.href).href;
  form.hidden = true;
  view.hidden = false;
  view.focus();
  startCountdown();
}

function startCountdown() {
  let left = RETURN_SECONDS;
  const line = $('#countdown');
  clearInterval(countdown);
  line.textContent = t('kiosk.auto_return', { n: left });
  countdown = setInterval(() => {
    left -= 1;
    line.textContent = t('kiosk.auto_return', { n: left });
    if (left <= 0) reset();
  }, 1000);
}

function reset() {
  clearInterval(countdown);
  view.hidden = true;
  form.hidden = false;
  const none = form.querySelector('input[name=priority_reason][value=""]');
  if (none) none.checked = true;
  refresh();
  form.querySelector('button.service:not([disabled])')?.focus();
}

/** Waiting counts and quotas change all evening; keep the buttons honest. */
async function refresh() {
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(office)}/services`);
    for (const svc of data) {
      services[svc.code] = serviceName(svc);
      const button = form.querySelector(`button[data-service="${CSS.escape(svc.code)}"]`);
      if (!button) continue;
      const full = svc.daily_quota != null && svc.issued_today >= svc.daily_quota;
      const facts = [t('kiosk.waiting', { n: svc.waiting })];
      if (!svc.counters_open) facts.push(t('kiosk.no_counter'));
      else if (svc.estimated_wait_minutes === 0) facts.push(t('kiosk.wait_soon'));
      else facts.push(svc.estimated_wait_minutes == null ? t('kiosk.no_estimate') : t('kiosk.wait_estimate', { n: svc.estimated_wait_minutes }));
      if (svc.daily_quota != null && !full) facts.push(t('kiosk.quota_left', { n: svc.daily_quota - svc.issued_today }));
      setText(button.querySelector('[data-facts]'), facts.join(' · '));
      setText(button.querySelector('[data-state]'), full ? t('kiosk.full') : '');
      button.disabled = full || !svc.open_now;
    }
  } catch (e) { /* the last known state stays on screen */ }
}

async function main() {
  await loadTexts();
  for (const b of $$('button.service', form)) services[b.dataset.service] = b.querySelector('.service-name').textContent;
  form.addEventListener('submit', (event) => {
    const button = event.submitter;
    if (!button?.dataset.service) return;
    event.preventDefault();
    take(button.dataset.service);
  });
  $('#print').addEventListener('click', () => window.print());
  $('#done').addEventListener('click', (event) => {
    if (view.hidden) return;
    event.preventDefault();
    reset();
  });
  if (!view.hidden) startCountdown(); // the no-script post rendered a ticket
  setInterval(() => { if (view.hidden && !busy) refresh(); }, 15000);
}

main();
