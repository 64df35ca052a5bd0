// "My tickets": the queue tickets this device took, kept in localStorage so a
// phone finds its ticket page again (the home page lists them). Only the
// token (the page's address), number, office and day: nothing personal.
// A ticket is valid for the day it was taken; older ones are dropped.
const KEY = 'senja.tickets';
const KEEP_DAYS = 1;

function read() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) || '{}');
    return data && typeof data === 'object' ? data : {};
  } catch (e) {
    return {};
  }
}

function write(all) {
  try { localStorage.setItem(KEY, JSON.stringify(all)); return true; } catch (e) { return false; }
}

function fresh(ticket, now = new Date()) {
  const day = Date.parse(`${ticket.date}T00:00:00`);
  return Number.isFinite(day) && now - day < (KEEP_DAYS + 1) * 86400000;
}

/** Tickets still valid, newest first: [{token, number, office, officeName, date, status}]. */
export function myTickets() {
  const all = read();
  const kept = Object.fromEntries(Object.entries(all).filter(([, v]) => fresh(v)));
  if (Object.keys(kept).length !== Object.keys(all).length) write(kept);
  return Object.entries(kept).map(([token, v]) => ({ token, ...v }))
    .sort((a, b) => String(b.date + b.number).localeCompare(String(a.date + a.number)));
}

export function rememberTicket(token, data) {
  const all = read();
  all[token] = { ...(all[token] || {}), ...data };
  return write(all);
}

export function forgetTicket(token) {
  const all = read();
  delete all[token];
  write(all);
}
