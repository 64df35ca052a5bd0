// Booked arrivals on the clerk's console: the day's bookings of the office the
// console is set to, polled while the console shows (branch booking). Reads the
// staff token and place counter.js keeps; the list itself needs no script to be
// meaningful elsewhere (GET /api/v1/offices/{id}/bookings?date=).
import { $, api, el, loadTexts, t } from './core.js';

const POLL_MS = 15000;

function saved(store, name) {
  try { return JSON.parse(store.getItem(name) || 'null'); } catch (e) { return null; }
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function refresh() {
  const staff = saved(sessionStorage, 'senja.staff');
  const place = saved(localStorage, 'senja.counter');
  if (!staff || !place || $('#console').hidden) return;
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(place.office)}/bookings?date=${today()}`,
      { headers: { Authorization: `Bearer ${staff.token}` } });
    const rows = data.map((b) => el('tr', {},
      el('td', {}, b.slot_start.slice(11, 16)), el('td', {}, b.service), el('td', {}, b.code),
      el('td', {}, t(`book.status.${b.status}`) + (b.ticket_number ? ` · ${b.ticket_number}` : ''))));
    $('#arrivals-rows').replaceChildren(...rows);
    $('#arrivals-count').textContent = data.length ? `(${data.length})` : '';
    $('#arrivals-none').hidden = data.length > 0;
  } catch (e) {
    // The console's own polling reports network trouble; this list waits for the next round.
  }
}

async function start() {
  await loadTexts();
  refresh();
  setInterval(refresh, POLL_MS);
}

start();
