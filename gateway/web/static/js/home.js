// Home page: the tickets this device took today ("my tickets"), from localStorage.
import { $, el, loadTexts, setText, t } from './core.js';
import { myTickets } from './mytickets.js';

async function main() {
  const tickets = myTickets();
  if (!tickets.length) return;
  await loadTexts();
  $('#my-tickets-list').replaceChildren(...tickets.map((ticket) => el('li', {},
    el('a', { href: `/t/${encodeURIComponent(ticket.token)}`, class: 'my-ticket-number', text: ticket.number }),
    ' ', el('span', { class: 'muted', text: [ticket.officeName, ticket.status ? t(`status.short.${ticket.status}`) : ''].filter(Boolean).join(' · ') }))));
  setText($('#my-tickets-h'), t('home.my_tickets'));
  $('#my-tickets').hidden = false;
}

main();
