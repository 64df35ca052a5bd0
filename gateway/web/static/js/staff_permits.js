// /staff/permits: the permit desk. The office's work list (overdue first, as the
// service sorts it), one application with its answers, documents, history and
// the actions its state allows for this staff member; issuing ends with the
// certificate. Keys (switchable off, WCAG 2.1.4): F the status filter, 1–9 the
// actions, Escape back to the list.
import { $, api, el, HttpError, loadTexts, NetworkError, problemText, setText, t, when } from './core.js';
import { fullDate, maybe } from './forms.js';
import { auth, download, fillOffices, showError, staffLogin } from './staff.js';

const state = { staff: null, signedOut: null, types: {}, view: null, rows: [] };
const SHORTCUTS_KEY = 'senja.desk.shortcuts';

const statusName = (s) => maybe(`permit.status.${s}`) || s;
const actionName = (a, docs = {}) => (a.startsWith('upload:')
  ? t('permit.action.upload', { document: docs[a.slice(7)] || a.slice(7) }) : maybe(`permit.action.${a}`) || a);
const actorName = (actor) => (actor === 'applicant' ? t('desk.col_applicant') : actor.replace(/^staff:/, ''));
const typeName = (code) => {
  const name = state.types[code]?.name;
  return (name && (name[document.documentElement.lang] || name.id)) || code;
};

function daysLeft(row) {
  if (row.working_days_left === null || row.working_days_left === undefined) return '—';
  if (row.working_days_left < 0) return t('desk.days_late', { n: -row.working_days_left });
  return t('desk.days_left', { n: row.working_days_left });
}

function failed(e) {
  if (e instanceof HttpError && e.status === 401) { state.signedOut(t('counter.expired')); return ''; }
  return e instanceof HttpError ? problemText(e.problem) : e instanceof NetworkError ? t('error.network') : String(e);
}

async function loadTypes() {
  try {
    const { data } = await api('/api/v1/permit-types');
    state.types = Object.fromEntries(data.map((p) => [p.code, p]));
  } catch (e) { /* codes will do */ }
}

// the work list ---------------------------------------------------------------
async function loadList() {
  const office = $('#office').value;
  const status = $('#status-filter').value;
  const query = new URLSearchParams({ office_id: office });
  if (status) query.set('status', status);
  try {
    const { data } = await api(`/api/v1/permits?${query}`, { headers: auth(state.staff) });
    state.rows = data;
    showError('');
  } catch (e) {
    showError(failed(e));
    return;
  }
  const rows = state.rows.map((row) => el('tr', { class: `sla-row sla-${row.sla_state}` },
    el('td', {}, el('button', { type: 'button', class: 'link-button', dataset: { code: row.tracking_code } }, row.tracking_code)),
    el('td', {}, typeName(row.permit_type)),
    el('td', {}, row.applicant.name),
    el('td', {}, statusName(row.status)),
    el('td', {}, fullDate(row.due_date)),
    el('td', {}, el('span', { class: `badge sla-${row.sla_state}` }, daysLeft(row)))));
  $('#work-rows').replaceChildren(...rows);
  setText($('#list-count'), String(state.rows.length));
  $('#work-none').hidden = state.rows.length > 0;
}

// one application -------------------------------------------------------------
async function open(code) {
  try {
    const { data } = await api(`/api/v1/permits/${encodeURIComponent(code)}`, { headers: auth(state.staff) });
    showDetail(data);
    $('#list').hidden = true;
    $('#detail').hidden = false;
    $('#detail').focus();
  } catch (e) {
    showError(failed(e));
  }
}

function pairs(list) {
  return list.filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, String(v))));
}

function answerText(attr, value) {
  if (attr && Array.isArray(attr.values) && attr.values.length) {
    const lang = document.documentElement.lang;
    const names = Object.fromEntries(attr.values.map((v) => [v.key, v.name[lang] || v.name.id]));
    return (Array.isArray(value) ? value : [value]).map((v) => names[v] || v).join(', ');
  }
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function showDetail(view) {
  state.view = view;
  const sv = view.staff_view;
  const type = state.types[view.permit_type] || {};
  const lang = document.documentElement.lang;
  setText($('#detail-h'), `${view.tracking_code} · ${typeName(view.permit_type)}`);
  setText($('#detail-status'), statusName(view.status));
  $('#detail-facts').replaceChildren(...pairs([
    [t('permit.applicant_name'), sv.applicant.name], ['NIK', sv.applicant.nik], [t('permit.phone'), sv.applicant.phone],
    [t('permit.business_name'), sv.business.name], [t('permit.business_address'), sv.business.address],
    ['KBLI', sv.business.kbli], ['NIB', sv.business.nib],
    [t('permit.submitted_at'), when(view.submitted_at)], [t('permit.due_date'), fullDate(view.due_date)],
    [t('desk.col_days_left'), sv.working_days_left === null ? '' : daysLeft(sv)],
    [t('permit.number'), sv.permit_number], [t('desk.verification_code'), sv.verification_code]]));
  const attrs = Object.fromEntries((type.attributes || []).map((a) => [a.code, a]));
  $('#detail-answers').replaceChildren(...pairs(Object.entries(sv.answers).map(([code, value]) => [
    attrs[code]?.description?.[lang] || attrs[code]?.description?.id || code, answerText(attrs[code], value)])));
  $('#answers-h').hidden = Object.keys(sv.answers).length === 0;
  const docNames = Object.fromEntries((type.documents || []).map((d) => [d.code, d.name[lang] || d.name.id]));
  $('#detail-documents').replaceChildren(...Object.entries(sv.documents).map(([code, doc]) => el('li', {},
    el('button', { type: 'button', class: 'button secondary small-button', dataset: { document: code, format: doc.format } },
      t('desk.open_document', { document: docNames[code] || code })),
    ` ${doc.format.toUpperCase()}, ${Math.max(1, Math.round(doc.bytes / 1000))} KB`)));
  setText($('#detail-missing'), sv.missing_documents.length
    ? t('desk.missing', { documents: sv.missing_documents.map((c) => docNames[c] || c).join(', ') }) : '');
  $('#detail-history').replaceChildren(...sv.history.map((h) => el('li', {},
    el('p', { class: 'tl-status' }, actionName(h.action, docNames) === statusName(h.status)
      ? statusName(h.status) : `${actionName(h.action, docNames)} · ${statusName(h.status)}`),
    el('p', { class: 'small' }, el('time', { datetime: h.at }, when(h.at)), ` · ${actorName(h.actor)}`),
    h.note ? el('p', { class: 'tl-note' }, h.note) : null)));
  const buttons = sv.actions.map((a, i) => el('button', {
    type: 'button', class: `button${['reject', 'revoke', 'return'].includes(a.action) ? ' danger' : ''}`,
    dataset: { action: a.action, note: a.note_required ? 'required' : '' },
    'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
  }, maybe(`desk.do.${a.action}`) || actionName(a.action), i < 9 ? el('kbd', { 'aria-hidden': 'true' }, String(i + 1)) : null));
  $('#detail-actions').replaceChildren(...buttons);
  $('#detail-none').hidden = buttons.length > 0;
  $('#note-field').hidden = buttons.length === 0;
  $('#certificate-line').hidden = !sv.permit_number || !['issued', 'handed_over'].includes(view.status);
  setText($('#action-error'), '');
}

async function act(button) {
  const action = button.dataset.action;
  const note = $('#note').value.trim();
  if (button.dataset.note === 'required' && !note) {
    setText($('#action-error'), t('desk.note_required', { action: maybe(`desk.do.${action}`) || actionName(action) }));
    $('#note').focus();
    return;
  }
  button.disabled = true;
  try {
    const { data } = await api(`/api/v1/permits/${encodeURIComponent(state.view.tracking_code)}/transitions`, {
      method: 'POST', headers: auth(state.staff), body: { action, note },
    });
    $('#note').value = '';
    showDetail(data);
    setText($('#live'), t('desk.moved', { action: actionName(action), status: statusName(data.status) }));
    // Issuing ends with the certificate; otherwise the next likely step.
    const next = !$('#certificate-line').hidden ? $('#certificate') : $('#detail-actions button') || $('#back');
    next.focus();
    loadList();
  } catch (e) {
    setText($('#action-error'), failed(e));
    button.disabled = false;
  }
}

async function openDocument(button) {
  const code = state.view.tracking_code;
  try {
    await download(`/api/v1/permits/${encodeURIComponent(code)}/documents/${encodeURIComponent(button.dataset.document)}`,
      state.staff, `${code}-${button.dataset.document}.${button.dataset.format === 'jpeg' ? 'jpg' : button.dataset.format}`);
  } catch (e) {
    setText($('#action-error'), failed(e));
  }
}

async function certificate() {
  const code = state.view.tracking_code;
  try {
    await download(`/api/v1/permits/${encodeURIComponent(code)}/certificate.pdf`, state.staff, `izin-${code}.pdf`);
    setText($('#live'), t('desk.certificate_saved'));
  } catch (e) {
    setText($('#action-error'), failed(e));
  }
}

function back() {
  $('#detail').hidden = true;
  $('#list').hidden = false;
  const row = state.view && $(`#work-rows [data-code="${state.view.tracking_code}"]`);
  (row || $('#status-filter')).focus();
}

function onKey(event) {
  if (event.key === 'Escape' && !$('#detail').hidden) { back(); return; }
  if (!$('#shortcuts').checked || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest('input, textarea, select')) return;
  if (event.key === 'f') { event.preventDefault(); $('#status-filter').focus(); return; }
  if (/^[1-9]$/.test(event.key) && !$('#detail').hidden) {
    const button = $(`#detail-actions [aria-keyshortcuts="${event.key}"]`);
    if (button && !button.disabled) { event.preventDefault(); act(button); }
  }
}

async function ready(staff, signedOut) {
  state.staff = staff;
  state.signedOut = signedOut;
  setText($('#whoami'), t('counter.signed_in_as', { user: staff.username }));
  await Promise.all([fillOffices($('#office'), staff), loadTypes()]);
  await loadList();
  $('#status-filter').focus();
}

async function main() {
  await loadTexts();
  $('#shortcuts').checked = localStorage.getItem(SHORTCUTS_KEY) !== 'off';
  $('#shortcuts').addEventListener('change', (e) => localStorage.setItem(SHORTCUTS_KEY, e.target.checked ? 'on' : 'off'));
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadList(); });
  $('#office').addEventListener('change', loadList);
  $('#status-filter').addEventListener('change', loadList);
  $('#work-rows').addEventListener('click', (e) => { const b = e.target.closest('[data-code]'); if (b) open(b.dataset.code); });
  $('#detail-actions').addEventListener('click', (e) => { const b = e.target.closest('[data-action]'); if (b) act(b); });
  $('#detail-documents').addEventListener('click', (e) => { const b = e.target.closest('[data-document]'); if (b) openDocument(b); });
  $('#certificate').addEventListener('click', certificate);
  $('#back').addEventListener('click', back);
  document.addEventListener('keydown', onKey);
  staffLogin(ready);
}

main();
