// Display board: polls the board (ETag/304, so an unchanged board costs a few
// bytes), shows calls large, and announces new calls and recalls with a chime
// and Indonesian speech once someone has pressed the sound button.
import { $, api, clock, counterLabel, el, loadTexts, NetworkError, serviceName, setText, t } from './core.js';
import { Announcer, callPhrase } from './speech.js';
import { noticeText } from './notices.js';

const office = document.body.dataset.office;
const POLL_MS = 2500;
const announcer = new Announcer();
const seen = new Map(); // "number|counter" -> recalls already announced
const noticesSeen = new Set(); // accessibility notices already spoken
let etag = null;
let failures = 0;

function key(call) { return `${call.number}|${call.counter_id}`; }

function remember() {
  for (const li of document.querySelectorAll('#calls li.call')) {
    seen.set(`${li.dataset.number}|${li.dataset.counter}`, Number(li.dataset.recalls || 0));
  }
}

function render(board) {
  const list = $('#calls');
  list.replaceChildren(...board.calls.map((call, i) => {
    const extra = call.status === 'serving' ? t('display.serving')
      : (call.recalls ? t('display.recalled', { n: call.recalls + 1 }) : '');
    return el('li', {
      class: `call${i === 0 ? ' latest' : ''} call-${call.status}`,
      dataset: { number: call.number, counter: call.counter_id, recalls: call.recalls, status: call.status },
    },
    el('span', { class: 'call-number', text: call.number }),
    el('span', { class: 'call-arrow', 'aria-hidden': 'true', text: '→' }),
    el('span', { class: 'call-counter', text: counterLabel(call.counter_name) }),
    el('span', { class: 'call-extra', text: extra }));
  }));
  $('#no-calls').hidden = board.calls.length > 0;
  $('#closed').hidden = board.open_now;
  const waiting = $('#waiting');
  waiting.replaceChildren(...board.waiting.map((w) => el('li', { dataset: { service: w.service } },
    el('span', { text: serviceName(w) }), ' ', el('strong', { dataset: { waiting: '' }, text: String(w.waiting) }))));
  $('#notices').replaceChildren(...board.notices.map((n) => el('li', { class: `notice notice-${n.kind}`, dataset: { notice: n.id }, text: noticeText(n) })));
  $('#notices-box').hidden = board.notices.length === 0;
  setText($('#updated'), t('display.updated', { time: clock(board.generated_at) }));
}

/** A facility that broke is spoken like a call (in Indonesian, the hall's language: the
 * service's own text), and read out to screen readers in the page's language. */
function announceNotices(board) {
  for (const n of board.notices) {
    if (n.kind !== 'accessibility' || noticesSeen.has(n.id)) continue;
    noticesSeen.add(n.id);
    setText($('#live'), noticeText(n));
    document.body.dataset.lastNotice = n.text;
    announcer.announce(n.text);
  }
}

function announceNew(board) {
  // Oldest first, so two calls in one poll are spoken in the order they were made.
  const fresh = [];
  for (const call of [...board.calls].reverse()) {
    if (call.status !== 'called') continue;
    const before = seen.get(key(call));
    if (before === undefined || call.recalls > before) fresh.push(call);
  }
  seen.clear();
  for (const call of board.calls) seen.set(key(call), call.recalls);
  for (const call of fresh) {
    const phrase = callPhrase(call.number, call.counter_name);
    document.body.dataset.lastAnnouncement = phrase;
    setText($('#live'), t('display.live', { number: call.number, counter: counterLabel(call.counter_name) }));
    const item = document.querySelector(`#calls li[data-number="${CSS.escape(call.number)}"]`);
    if (item) {
      item.classList.remove('flash');
      void item.offsetWidth; // restart the animation
      item.classList.add('flash');
    }
    announcer.announce(phrase);
  }
}

async function poll() {
  try {
    const resp = await api(`/api/v1/offices/${encodeURIComponent(office)}/board`, { etag });
    failures = 0;
    $('#stale').hidden = true;
    if (resp.status === 200) {
      etag = resp.etag;
      render(resp.data);
      announceNew(resp.data);
      announceNotices(resp.data);
    }
  } catch (e) {
    failures += 1;
    if (failures >= 2) {
      setText($('#stale'), t('display.stale'));
      $('#stale').hidden = false;
    }
    if (!(e instanceof NetworkError)) console.warn('board', e);
  }
  setTimeout(poll, failures ? Math.min(POLL_MS * 2 ** failures, 30000) : POLL_MS);
}

function setupSound() {
  const button = $('#sound');
  button.addEventListener('click', () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    if (on) announcer.enable(); else announcer.disable();
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? t('display.sound_active') : t('display.sound_on');
    button.classList.toggle('active', on);
    if (on) announcer.announce('', { chime: true }); // a chime says "sound works"
  });
}

async function main() {
  await loadTexts();
  remember();
  for (const li of document.querySelectorAll('#notices li[data-notice]')) noticesSeen.add(li.dataset.notice); // on screen already
  setupSound();
  poll();
}

main();
