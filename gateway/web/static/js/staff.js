// The staff desks' login, the same as the clerk console's: the token lives in
// this tab's sessionStorage under the console's key, so signing in at /counter
// also opens /staff/permits and /staff/reports (and the other way round).
import { $, $$, api, HttpError, problemText, setText, t } from './core.js';

const STAFF = 'senja.staff';

export function savedStaff() {
  try {
    const staff = JSON.parse(sessionStorage.getItem(STAFF) || 'null');
    return staff && staff.expires > Date.now() + 60000 ? staff : null;
  } catch (e) { return null; }
}

export const auth = (staff) => ({ Authorization: `Bearer ${staff.token}` });

export function showError(text) { setText($('#error'), text || ''); }

/** The login form sent: a token for the name and password typed, kept in this tab,
 *  then signedIn(staff). What fails (here or in signedIn) is said in the form. */
export async function submitLogin(event, signedIn) {
  event.preventDefault();
  showError('');
  const button = event.submitter || $('#login-form button');
  button.disabled = true;
  try {
    const { data } = await api('/api/v1/auth/token', {
      method: 'POST', body: { username: $('#username').value.trim(), password: $('#password').value },
    });
    const staff = { token: data.access_token, username: data.username, role: data.role,
      office_ids: data.office_ids, expires: Date.now() + data.expires_in * 1000 };
    sessionStorage.setItem(STAFF, JSON.stringify(staff));
    $('#password').value = '';
    await signedIn(staff);
  } catch (e) {
    showError(e instanceof HttpError && e.status === 401 ? t('counter.bad_login')
      : e instanceof HttpError ? problemText(e.problem) : t('error.network'));
    $('#password').focus();
  } finally {
    button.disabled = false;
  }
}

/** Shows the login until a token is there, then calls ready(staff). */
export function staffLogin(ready) {
  const desk = $('#desk');
  const login = $('#login');
  function show(signedIn) { login.hidden = signedIn; desk.hidden = !signedIn; }
  function signedOut(message) {
    sessionStorage.removeItem(STAFF);
    show(false);
    showError(message || '');
    $('#username').focus();
  }
  $('#login-form').addEventListener('submit', (event) => submitLogin(event, async (staff) => {
    show(true);
    await ready(staff, signedOut);
  }));
  for (const button of $$('[data-logout]')) button.addEventListener('click', () => signedOut(''));
  const staff = savedStaff();
  if (staff) { show(true); ready(staff, signedOut); } else show(false);
}

/** Office names for the office chooser; the codes will do when the list fails. */
export async function fillOffices(select, staff) {
  let names = {};
  try {
    const { data } = await api('/api/v1/offices');
    names = Object.fromEntries(data.map((o) => [o.id, o.name]));
  } catch (e) { /* codes */ }
  select.replaceChildren(...staff.office_ids.map((id) => {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = names[id] ? `${names[id]} (${id})` : id;
    return option;
  }));
}

/** Saves a fetched file (a document, the certificate) with the staff token. */
export async function download(path, staff, filename) {
  const resp = await fetch(path, { headers: auth(staff), cache: 'no-store' });
  if (!resp.ok) {
    let problem = null;
    try { problem = await resp.json(); } catch (e) { /* not JSON */ }
    throw new HttpError(resp.status, problem);
  }
  const url = URL.createObjectURL(await resp.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
