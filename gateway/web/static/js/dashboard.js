// The supervisor's dashboard. Signs in as the counter console does (the same
// staff token in sessionStorage), then asks the server for the figures panel
// (SVG charts and tables rendered there) and fetches CSV downloads with the token.
import { $, api, HttpError, lang, loadTexts, problemText, setText, t } from './core.js';

const STAFF = 'senja.staff';
const state = { staff: null };

function saved() {
  try {
    const staff = JSON.parse(sessionStorage.getItem(STAFF) || 'null');
    return staff && staff.expires > Date.now() + 60000 ? staff : null;
  } catch (e) { return null; }
}

function auth() { return { Authorization: `Bearer ${state.staff.token}` }; }
function showError(text) { setText($('#error'), text || ''); }

async function showChoose() {
  $('#login').hidden = true;
  $('#choose').hidden = false;
  const select = $('#office');
  select.replaceChildren();
  let names = {};
  try { names = Object.fromEntries((await api('/api/v1/offices')).data.map((o) => [o.id, o.name])); } catch (e) { /* codes then */ }
  for (const id of state.staff.office_ids) {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = names[id] ? `${names[id]} (${id})` : id;
    select.append(option);
  }
}

async function login(event) {
  event.preventDefault();
  showError('');
  try {
    const { data } = await api('/api/v1/auth/token', {
      method: 'POST', body: { username: $('#username').value.trim(), password: $('#password').value },
    });
    if (!['supervisor', 'admin'].includes(data.role)) { showError(t('dash.role')); return; }
    state.staff = { token: data.access_token, username: data.username, role: data.role,
      office_ids: data.office_ids, expires: Date.now() + data.expires_in * 1000 };
    sessionStorage.setItem(STAFF, JSON.stringify(state.staff));
    $('#password').value = '';
    await showChoose();
    $('#office').focus();
  } catch (e) {
    showError(e instanceof HttpError && e.status === 401 ? t('counter.bad_login')
      : e instanceof HttpError ? problemText(e.problem) : t('error.network'));
  }
}

async function show(event) {
  if (event) event.preventDefault();
  showError('');
  // No day chosen: the server takes today on the office's own clock (not this device's).
  const params = new URLSearchParams({ lang });
  if ($('#date').value) params.set('date', $('#date').value);
  if ($('#from').value) params.set('from', $('#from').value);
  if ($('#to').value) params.set('to', $('#to').value);
  setText($('#loading'), t('dash.loading'));
  try {
    const resp = await fetch(`/api/v1/offices/${encodeURIComponent($('#office').value)}/dashboard/panel?${params}`,
      { headers: auth(), cache: 'no-store' });
    if (resp.status === 401) { signOut(t('dash.expired')); return; }
    if (!resp.ok) {
      let problem = null;
      try { problem = await resp.json(); } catch (e) { /* not JSON */ }
      showError(problem ? problemText(problem) : t('error.network'));
      setText($('#loading'), '');
      return;
    }
    $('#panel').innerHTML = await resp.text();  // our own server's escaped HTML (Jinja2 autoescape)
    setText($('#loading'), t('dash.loaded'));
    $('#panel').focus();
  } catch (e) {
    showError(t('error.network'));
    setText($('#loading'), '');
  }
}

async function download(event) {
  const link = event.target.closest('a[data-csv]');
  if (!link) return;
  event.preventDefault();
  try {
    const resp = await fetch(link.href, { headers: auth(), cache: 'no-store' });
    if (!resp.ok) { showError(t('error.network')); return; }
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `senja-${$('#office').value}-${link.dataset.csv}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (e) { showError(t('error.network')); }
}

function signOut(message) {
  sessionStorage.removeItem(STAFF);
  state.staff = null;
  $('#choose').hidden = true;
  $('#login').hidden = false;
  $('#panel').replaceChildren();
  showError(message || '');
  $('#username').focus();
}

async function start() {
  await loadTexts();
  $('#login-form').addEventListener('submit', login);
  $('#choose-form').addEventListener('submit', show);
  $('#logout').addEventListener('click', () => signOut(''));
  $('#panel').addEventListener('click', download);
  state.staff = saved();
  if (state.staff && ['supervisor', 'admin'].includes(state.staff.role)) await showChoose();
}

start();
