// The supervisor's section of the staff console: how the office's notifications
// are delivered (pending, retrying, sent, failed), refreshed every 10 seconds.
// It reads the console's sign-in and chosen office (counter.js keeps them) and
// shows nothing to a clerk (the API answers 403).
import { $, api, el, loadTexts, setText, t } from './core.js';

const REFRESH_MS = 10000;

function stored(store, name) {
  try { return JSON.parse(store.getItem(name) || 'null'); } catch (e) { return null; }
}

async function refresh() {
  const staff = stored(sessionStorage, 'senja.staff');
  const place = stored(localStorage, 'senja.counter');
  const box = $('#notify-state');
  if (!box || !staff || !place || !['supervisor', 'admin'].includes(staff.role) || staff.expires < Date.now()) {
    if (box) box.hidden = true;
    return;
  }
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(place.office)}/notifications`, {
      headers: { Authorization: `Bearer ${staff.token}` },
    });
    for (const [state, n] of Object.entries(data.counts)) {
      const cell = $(`#notify-count-${state}`);
      if (cell) setText(cell, String(n));
    }
    const rows = $('#notify-rows');
    rows.replaceChildren(...data.recent.slice(0, 10).map((d) => el('tr', {},
      el('td', {}, d.number || d.code || ''), el('td', {}, t(`notify.event_${d.event}`)), el('td', {}, d.channel),
      el('td', {}, t(`notify.state_${d.status}`)), el('td', {}, String(d.attempts)))));
    $('#notify-none').hidden = data.recent.length > 0;
    box.hidden = false;
  } catch (e) {
    box.hidden = true; // not this office's supervisor, or the service is away: nothing to show
  }
}

async function start() {
  await loadTexts();
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

start();
