// /staff/reports: the access desk. Citizens' problem reports of the office, the
// contact number masked until a supervisor who must call back reveals it (the
// service writes each reveal into the report's history: who, when), and closing
// a report with an answer the citizen reads at /report by its number.
import { $, api, el, HttpError, loadTexts, NetworkError, problemText, setText, t, when } from './core.js';
import { auth, fillOffices, showError, staffLogin } from './staff.js';

const state = { staff: null, signedOut: null, facilities: {} };

function failed(e) {
  if (e instanceof HttpError && e.status === 401) { state.signedOut(t('counter.expired')); return ''; }
  if (e instanceof HttpError && e.status === 403) return t('desk.reports_need_supervisor');
  return e instanceof HttpError ? problemText(e.problem) : e instanceof NetworkError ? t('error.network') : String(e);
}

const historyText = (h) => t(`desk.report_${h.action}`, { who: h.actor.replace(/^staff:/, ''), at: when(h.at) });

function card(report) {
  const lang = document.documentElement.lang;
  const name = state.facilities[report.facility_id];
  const id = report.id;
  const closed = report.state === 'closed';
  return el('li', { class: `card report-card report-${report.state}`, id: `r-${id}` },
    el('h3', {}, `${(name && (name[lang] || name.id)) || report.facility_id} · ${t(`report.state.${report.state}`)}`),
    el('p', { class: 'small muted' }, `${t('report.number')}: `, el('code', {}, id), ' · ', el('time', { datetime: report.at }, when(report.at))),
    el('p', {}, report.description),
    report.contact ? el('p', {}, `${t('desk.contact')}: `,
      el('span', { class: 'contact', id: `contact-${id}` }, report.contact), ' ',
      el('button', { type: 'button', class: 'button secondary small-button', dataset: { reveal: id } }, t('desk.reveal'))) : el('p', { class: 'small muted' }, t('desk.no_contact')),
    closed ? el('p', {}, `${t('report.answer')}: `, el('span', { class: 'answer' }, report.answer || '')) : el('form', { class: 'close-form', novalidate: true, dataset: { close: id } },
      el('div', { class: 'field' },
        el('label', { for: `answer-${id}` }, t('desk.answer_label')),
        el('p', { class: 'hint', id: `answer-${id}-hint` }, t('desk.answer_hint')),
        el('p', { class: 'field-error', id: `answer-${id}-error` }),
        el('textarea', { id: `answer-${id}`, rows: '3', maxlength: '1000', required: true, 'aria-describedby': `answer-${id}-hint answer-${id}-error` })),
      el('p', {}, el('button', { type: 'submit', class: 'button' }, t('desk.close_report')))),
    el('ul', { class: 'small muted report-history', 'aria-label': t('permit.history') },
      ...(report.history || []).map((h) => el('li', {}, historyText(h)))));
}

async function loadReports() {
  const office = $('#office').value;
  try {
    const [reports, place] = await Promise.all([
      api(`/api/v1/offices/${encodeURIComponent(office)}/facility-reports`, { headers: auth(state.staff) }),
      api(`/api/v1/offices/${encodeURIComponent(office)}/accessibility`).catch(() => ({ data: { facilities: [] } }))]);
    state.facilities = Object.fromEntries(place.data.facilities.map((f) => [f.id, f.name]));
    const shown = reports.data.filter((r) => $('#show-closed').checked || r.state !== 'closed').reverse();
    $('#reports').replaceChildren(...shown.map(card));
    setText($('#reports-count'), String(shown.length));
    $('#reports-none').hidden = shown.length > 0;
    showError('');
  } catch (e) {
    showError(failed(e));
  }
}

async function reveal(button) {
  const id = button.dataset.reveal;
  button.disabled = true;
  try {
    const { data } = await api(`/api/v1/facility-reports/${id}/contact`, { method: 'POST', headers: auth(state.staff) });
    const span = $(`#contact-${id}`);
    span.replaceChildren(el('a', { href: `tel:${data.contact}` }, data.contact));
    button.remove();
    $(`#r-${id} .report-history`).append(el('li', {}, historyText({ action: 'contact_revealed', actor: data.revealed_by, at: data.revealed_at })));
    setText($('#live'), t('desk.revealed', { contact: data.contact }));
    span.querySelector('a').focus();
  } catch (e) {
    button.disabled = false;
    showError(failed(e));
  }
}

async function close(form) {
  const id = form.dataset.close;
  const answer = $(`#answer-${id}`).value.trim();
  const error = $(`#answer-${id}-error`);
  if (answer.length < 5) {
    setText(error, t('desk.answer_required'));
    $(`#answer-${id}`).setAttribute('aria-invalid', 'true');
    $(`#answer-${id}`).focus();
    return;
  }
  try {
    const { data } = await api(`/api/v1/facility-reports/${id}/close`, { method: 'POST', headers: auth(state.staff), body: { answer } });
    const item = card(data);
    $(`#r-${id}`).replaceWith(item);
    setText($('#live'), t('desk.closed', { number: id }));
    item.setAttribute('tabindex', '-1');
    item.focus();
  } catch (e) {
    setText(error, failed(e));
  }
}

async function ready(staff, signedOut) {
  state.staff = staff;
  state.signedOut = signedOut;
  setText($('#whoami'), t('counter.signed_in_as', { user: staff.username }));
  await fillOffices($('#office'), staff);
  await loadReports();
  $('#office').focus();
}

async function main() {
  await loadTexts();
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadReports(); });
  $('#office').addEventListener('change', loadReports);
  $('#show-closed').addEventListener('change', loadReports);
  $('#reports').addEventListener('click', (e) => { const b = e.target.closest('[data-reveal]'); if (b) reveal(b); });
  $('#reports').addEventListener('submit', (e) => { const f = e.target.closest('[data-close]'); if (f) { e.preventDefault(); close(f); } });
  staffLogin(ready);
}

main();
