// Counter console. The staff token lives in sessionStorage (this tab, until it
// closes or expires) and the chosen counter in localStorage, so a reload puts
// the clerk back at the same counter. When the network drops during an action,
// the console asks the counter's state before sending again: an action that
// did reach the server (a recall, a no-show) is never done twice.
import { $, $$, api, counterLabel, el, HttpError, loadTexts, NetworkError, problemText, serviceName, setText, sleep, t } from './core.js';
import { savedStaff, showError, submitLogin } from './staff.js';

const STAFF = 'senja.staff';
const PLACE = 'senja.counter';
const POLL_MS = 4000;
const KEYS_PREF = 'senja.counter.shortcuts'; // "off" when the clerk switched single-key shortcuts off
const UNDO_SECONDS = 120; // services/queue/domain.py UNDO_NO_SHOW_SECONDS
// After each action, focus goes where the clerk most likely goes next.
const NEXT_AFTER = { open: 'call_next', close: 'open', call_next: 'start', recall: 'start', start: 'complete',
  complete: 'call_next', no_show: 'call_next', transfer: 'call_next', undo_no_show: 'start' };
// The service answers open/close as "opened"/"closed"; the console's texts are keyed by the action.
const ACTION_OF = { opened: 'open', closed: 'close' };
let undo = null; // {number, until, timer} while the last no-show can be taken back
const SHORTCUTS = { o: 'open', c: 'close', n: 'call_next', r: 'recall', s: 'start', d: 'complete', x: 'no_show', t: 'transfer' };
const state = { staff: null, office: null, counterId: null, counter: null, services: {}, waiting: [], busy: false, maxRecalls: null };
let pollTimer = null;
let offline = false;

// storage -------------------------------------------------------------------
function loadJSON(store, name) {
  try { return JSON.parse(store.getItem(name) || 'null'); } catch (e) { return null; }
}

function auth() { return { Authorization: `Bearer ${state.staff.token}` }; }

// views ---------------------------------------------------------------------
function show(which) {
  for (const id of ['login', 'chooser', 'console']) $(`#${id}`).hidden = id !== which;
  if (which !== 'console') clearTimeout(pollTimer);
}

function setOffline(on, text) {
  offline = on;
  $('#offline').hidden = !on;
  if (on) setText($('#offline'), text || t('counter.offline'));
}

function signedOut(message) {
  sessionStorage.removeItem(STAFF);
  state.staff = null;
  show('login');
  showError(message || '');
  $('#username').focus();
}

function login(event) {
  return submitLogin(event, async (staff) => {
    state.staff = staff;
    await afterLogin();
  });
}

async function afterLogin() {
  const place = loadJSON(localStorage, PLACE);
  if (place && state.staff.office_ids.includes(place.office)) {
    await enterConsole(place.office, place.counter);
  } else {
    await showChooser();
  }
}

async function showChooser() {
  show('chooser');
  const officeSelect = $('#office');
  if (!state.staff.office_ids.length) { showError(t('counter.no_offices')); return; }
  let names = {};
  try {
    const { data } = await api('/api/v1/offices');
    names = Object.fromEntries(data.map((o) => [o.id, o.name]));
  } catch (e) { /* codes will do */ }
  officeSelect.replaceChildren(...state.staff.office_ids.map((id) => el('option', { value: id, text: names[id] ? `${names[id]} (${id})` : id })));
  const place = loadJSON(localStorage, PLACE);
  if (place && state.staff.office_ids.includes(place.office)) officeSelect.value = place.office;
  await loadCounterChoices(place?.counter);
  officeSelect.focus();
}

async function loadCounterChoices(preferred) {
  const select = $('#counter');
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent($('#office').value)}/counters`);
    select.replaceChildren(...data.map((c) => el('option', { value: c.id, text: `${counterLabel(c.name)}: ${c.services.join(', ')}` })));
    if (preferred && data.some((c) => c.id === preferred)) select.value = preferred;
    showError('');
  } catch (e) {
    showError(t('error.network'));
  }
}

async function enterConsole(office, counterId) {
  state.office = office;
  state.counterId = counterId;
  localStorage.setItem(PLACE, JSON.stringify({ office, counter: counterId }));
  show('console');
  setText($('#whoami'), t('counter.signed_in_as', { user: state.staff.username }));
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(office)}`);
    state.services = Object.fromEntries(data.services.map((s) => [s.code, serviceName(s)]));
    state.maxRecalls = data.max_recalls ?? null;
  } catch (e) { /* codes until the next reload */ }
  await refresh();
}

// state ---------------------------------------------------------------------
async function fetchCounter() {
  const { data } = await api(`/api/v1/offices/${encodeURIComponent(state.office)}/counters`);
  const counter = data.find((c) => c.id === state.counterId);
  if (!counter) throw new HttpError(404, { detail: 'unknown counter' });
  return counter;
}

async function refresh() {
  clearTimeout(pollTimer);
  if ($('#console').hidden || !state.staff) return;
  if (!state.busy) {
    try {
      const [counter, waiting] = await Promise.all([
        fetchCounter(),
        api(`/api/v1/offices/${encodeURIComponent(state.office)}/queue`, { headers: auth() }),
      ]);
      state.counter = counter;
      state.waiting = waiting.data;
      setOffline(false);
      render();
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) { signedOut(t('counter.expired')); return; }
      if (e instanceof HttpError && e.status === 404) { localStorage.removeItem(PLACE); await showChooser(); return; }
      if (e instanceof HttpError) showError(problemText(e.problem));
      else setOffline(true);
    }
  }
  if (!$('#console').hidden) pollTimer = setTimeout(refresh, offline ? POLL_MS * 2 : POLL_MS);
}

function allowed(counter) {
  if (counter) counter.open = !!counter.open;
  const cur = counter?.current;
  const s = cur?.status;
  return {
    open: !!counter && !counter.open,
    close: !!counter && counter.open && !cur,
    call_next: !!counter && counter.open && !cur,
    recall: s === 'called',
    start: s === 'called',
    complete: s === 'called' || s === 'serving',
    no_show: s === 'called',
    transfer: (s === 'called' || s === 'serving') && $('#transfer-to').options.length > 0,
  };
}

function render() {
  const c = state.counter;
  if (!c) return;
  c.open = !!c.open; // the store may answer 1 for true
  const hadFocus = document.activeElement?.matches?.('button.action');
  setText($('#counter-name'), counterLabel(c.name));
  const badge = $('#counter-state');
  setText(badge, c.open ? t('counter.state_open') : t('counter.state_closed'));
  badge.className = `badge ${c.open ? 'badge-open' : 'badge-closed'}`;
  const cur = c.current;
  setText($('#current-number'), cur ? cur.number : '–');
  const meta = cur ? [state.services[cur.service] || cur.service, t(`status.short.${cur.status}`)] : [t('counter.no_current')];
  // Warn before the recall that the service turns into a no-show (max_recalls spent).
  const lastRecall = cur?.status === 'called' && state.maxRecalls != null && cur.recalls >= state.maxRecalls;
  $('#recall-warning').hidden = !lastRecall;
  const recallButton = $('button.action[data-action=recall]');
  if (lastRecall) recallButton.setAttribute('aria-describedby', 'recall-warning');
  else recallButton.removeAttribute('aria-describedby');
  $('#undo-no-show').disabled = state.busy || !!cur || !c.open;
  if (cur?.recalls) meta.push(t('counter.recalls', { n: cur.recalls + 1 })); // as the board counts
  if (cur?.priority_reason) meta.push(t('counter.priority_tag', { reason: t(`priority.${cur.priority_reason}`) }));
  setText($('#current-meta'), meta.join(' · '));
  document.body.dataset.current = cur ? `${cur.number}:${cur.status}:${cur.recalls}` : '';
  document.body.dataset.counterOpen = String(c.open);

  const select = $('#transfer-to');
  const targets = Object.entries(state.services).filter(([code]) => code !== cur?.service);
  const wanted = targets.map(([code]) => code).join(',');
  if (select.dataset.codes !== wanted) {
    select.replaceChildren(...targets.map(([code, name]) => el('option', { value: code, text: name })));
    select.dataset.codes = wanted;
  }
  const ok = allowed(c);
  for (const button of $$('button.action')) button.disabled = state.busy || !ok[button.dataset.action];
  select.disabled = state.busy || !ok.transfer;
  $('#console').setAttribute('aria-busy', String(state.busy));
  if (hadFocus && (document.activeElement === document.body || document.activeElement?.disabled)) {
    const next = ['call_next', 'start', 'complete', 'open'].map((a) => $(`button.action[data-action=${a}]`)).find((b) => !b.disabled);
    next?.focus();
  }

  const mine = state.waiting.filter((w) => c.services.includes(w.service));
  setText($('#waiting-count'), `(${mine.length})`);
  $('#waiting-none').hidden = mine.length > 0;
  $('#waiting-rows').replaceChildren(...mine.map((w) => el('tr', {},
    el('th', { scope: 'row', text: w.number }),
    el('td', { text: state.services[w.service] || w.service }),
    el('td', { text: w.priority_reason ? t(`priority.${w.priority_reason}`) : '–' }),
    el('td', { text: t('counter.waited', { n: w.waited_minutes }) }))));
}

// actions -------------------------------------------------------------------
/** Did `action` take effect between two views of the counter? (after a lost answer) */
function tookEffect(action, before, after) {
  const was = before?.current;
  const now = after.current;
  switch (action) {
    case 'open': return after.open;
    case 'close': return !after.open;
    case 'call_next': return !was && !!now;
    case 'recall': return !!was && (!now || now.number !== was.number || now.recalls > was.recalls);
    case 'start': return !!now && now.status === 'serving';
    default: return !!was && (!now || now.number !== was.number); // complete, no_show, transfer
  }
}

/** The sentence a screen reader hears after an action: always a translated sentence. */
function doneText(action, ticket, counter) {
  const number = ticket?.number || '';
  const key = `counter.done.${ACTION_OF[action] || action}`;
  const text = t(key, { number, counter: counterLabel(counter?.name || '') });
  return text === key ? t('counter.done.generic') : text;
}

function focusNext(action) {
  const want = NEXT_AFTER[ACTION_OF[action] || action];
  const order = [want, 'call_next', 'start', 'complete', 'open'];
  const next = order.map((a) => $(`button.action[data-action=${a}]`)).find((b) => b && !b.disabled);
  next?.focus();
}

// undo a no-show ------------------------------------------------------------
function offerUndo(number) {
  clearInterval(undo?.timer);
  undo = { number, until: Date.now() + UNDO_SECONDS * 1000 };
  const tick = () => {
    const left = Math.round((undo.until - Date.now()) / 1000);
    if (left <= 0) { hideUndo(); return; }
    setText($('#undo-text'), t('counter.undo_text', { number: undo.number, n: left }));
  };
  tick();
  undo.timer = setInterval(tick, 1000);
  $('#undo-box').hidden = false;
}

function hideUndo() {
  clearInterval(undo?.timer);
  undo = null;
  $('#undo-box').hidden = true;
}

async function undoNoShow() {
  if (state.busy || !undo) return;
  state.busy = true;
  showError('');
  render();
  try {
    const { data } = await api(`/api/v1/offices/${encodeURIComponent(state.office)}/counters/${encodeURIComponent(state.counterId)}/undo-no-show`,
      { method: 'POST', headers: auth(), body: {} });
    state.counter = data.counter;
    hideUndo();
    setText($('#status-live'), t('counter.done.undo_no_show', { number: data.ticket?.number || '', counter: counterLabel(data.counter?.name) }));
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) { signedOut(t('counter.expired')); return; }
    showError(e instanceof HttpError ? problemText(e.problem) : t('error.network'));
    if (e instanceof HttpError && e.problem?.reason === 'nothing_to_undo') hideUndo();
  } finally {
    state.busy = false;
    render();
    focusNext('undo_no_show');
    refresh();
  }
}

// single-key shortcuts (WCAG 2.1.4: they can be switched off) ---------------
function shortcutsOn() { return localStorage.getItem(KEYS_PREF) !== 'off'; }

function applyShortcuts(on) {
  try { localStorage.setItem(KEYS_PREF, on ? 'on' : 'off'); } catch (e) { /* this tab only */ }
  $('#shortcuts-on').checked = on;
  for (const node of $$('[data-action], #transfer-to')) {
    const key = node.dataset.key || node.getAttribute('aria-keyshortcuts');
    if (key) node.dataset.key = key;
    if (on && key) node.setAttribute('aria-keyshortcuts', key); else node.removeAttribute('aria-keyshortcuts');
  }
  for (const kbd of $$('.action-grid kbd, .transfer kbd')) kbd.hidden = !on;
  setText($('#shortcuts-hint'), on ? t('counter.shortcuts') : t('counter.shortcuts_off'));
}

async function act(action) {
  if (state.busy || !state.counter) return;
  const before = state.counter;
  const body = { action };
  if (action === 'transfer') body.to_service = $('#transfer-to').value;
  state.busy = true;
  showError('');
  render();
  const started = Date.now();
  let done = action;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const resp = await api(`/api/v1/offices/${encodeURIComponent(state.office)}/counters/${encodeURIComponent(state.counterId)}/actions`,
          { method: 'POST', headers: auth(), body });
        setOffline(false);
        if (resp.status === 204) {
          setText($('#status-live'), t('counter.nobody'));
          state.counter = await fetchCounter().catch(() => before);
        } else {
          state.counter = resp.data.counter;
          // A recall past the office's limit comes back as a no-show.
          done = resp.data.action || action;
          setText($('#status-live'), doneText(done, resp.data.ticket || before.current, resp.data.counter));
          if (done === 'no_show') offerUndo((resp.data.ticket || before.current)?.number || '');
          else if (done === 'call_next') hideUndo(); // the desk holds someone else now
        }
        return;
      } catch (e) {
        if (e instanceof HttpError) {
          if (e.status === 401) { signedOut(t('counter.expired')); return; }
          showError(problemText(e.problem));
          state.counter = await fetchCounter().catch(() => before);
          return;
        }
        if (!(e instanceof NetworkError) || Date.now() - started > 60000) {
          showError(t('error.generic'));
          return;
        }
        setOffline(true, t('counter.retrying'));
        // Wait until the counter answers again, then send only if the action was lost.
        for (;;) {
          await sleep(Math.min(500 * 2 ** attempt, 4000));
          try {
            const now = await fetchCounter();
            if (tookEffect(action, before, now)) {
              state.counter = now;
              setOffline(false);
              setText($('#status-live'), doneText(action, before.current || now.current, now));
              return;
            }
            break; // lost: send it again
          } catch (probe) {
            if (Date.now() - started > 60000) { showError(t('error.generic')); return; }
          }
        }
      }
    }
  } finally {
    state.busy = false;
    render();
    focusNext(done);
    refresh();
  }
}

function onKey(event) {
  if (!shortcutsOn()) return;
  if ($('#console').hidden || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest?.('input, select, textarea, [contenteditable]')) return;
  const action = SHORTCUTS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  if (action === 'transfer') {
    const select = $('#transfer-to');
    if (!select.disabled) select.focus(); // choose the service, then Enter on the button
    return;
  }
  const button = $(`button.action[data-action=${action}]`);
  if (button && !button.disabled) {
    button.focus();
    act(action);
  }
}

async function main() {
  await loadTexts();
  $('#login-form').addEventListener('submit', login);
  $('#office').addEventListener('change', () => loadCounterChoices());
  $('#chooser-form').addEventListener('submit', (event) => {
    event.preventDefault();
    enterConsole($('#office').value, $('#counter').value);
  });
  for (const b of $$('[data-logout]')) b.addEventListener('click', () => signedOut(''));
  $('#change').addEventListener('click', () => showChooser());
  for (const b of $$('button.action')) b.addEventListener('click', () => act(b.dataset.action));
  document.addEventListener('keydown', onKey);
  $('#undo-no-show').addEventListener('click', undoNoShow);
  $('#shortcuts-on').addEventListener('change', (event) => applyShortcuts(event.target.checked));
  applyShortcuts(shortcutsOn());
  window.addEventListener('online', () => { if (!$('#console').hidden) refresh(); });
  state.staff = savedStaff();
  if (state.staff) await afterLogin();
  else show('login');
}

main();
