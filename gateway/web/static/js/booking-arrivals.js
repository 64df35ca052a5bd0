// Booked arrivals on the clerk's console: the day's bookings of the office the
// console is set to, polled while the console shows (branch booking). Reads the
// staff token and place counter.js keeps; the list itself needs no script to be
// meaningful elsewhere (GET /api/v1/offices/{id}/bookings?date=).
import { $, api, el, loadTexts, t } from './core.js';

const POLL_MS = 15000;

function saved(store, name) {
  try { return JSON.parse(store.getItem(name) || 'null'); } catch (e) { return null; }
}

// A clerk's shift: bookings whose slot started up to 12 hours ago or starts in
// the next 3 hours. The days asked for are the browser's yesterday, today and
// tomorrow, so an office in another zone (or a slot just after midnight) is covered.
const BEHIND_MS = 12 * 3600 * 1000;
const AHEAD_MS = 3 * 3600 * 1000;

function isoDay(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function refresh() {
  const staff = saved(sessionStorage, 'senja.staff');
  const place = saved(localStorage, 'senja.counter');
  if (!staff || !place || $('#console').hidden) return;
  try {
    const days = await Promise.all([-1, 0, 1].map((offset) => api(
      `/api/v1/offices/${encodeURIComponent(place.office)}/bookings?date=${isoDay(offset)}`,
      { headers: { Authorization: `Bearer ${staff.token}` } })));
    const now = Date.now();
    const shown = days.flatMap(({ data }) => data)
      .filter((b) => Date.parse(b.slot_start) > now - BEHIND_MS && Date.parse(b.slot_start) < now + AHEAD_MS)
      .sort((a, b) => Date.parse(a.slot_start) - Date.parse(b.slot_start));
    const rows = shown.map((b) => el('tr', {},
      el('td', {}, b.slot_start.slice(11, 16)), el('td', {}, b.service), el('td', {}, b.code),
      el('td', {}, t(`book.status.${b.status}`) + (b.ticket_number ? ` · ${b.ticket_number}` : ''))));
    $('#arrivals-rows').replaceChildren(...rows);
    $('#arrivals-count').textContent = shown.length ? `(${shown.length})` : '';
    $('#arrivals-none').hidden = shown.length > 0;
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
