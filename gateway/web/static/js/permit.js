// /permits/{code}: the server rendered the status and history. With the
// applicant's secret on this device the applicant may upload documents,
// resubmit (when returned for correction) and withdraw; without it they may
// type the secret in once.
import { $, $$, api, el, HttpError, loadTexts, setText, t, when } from './core.js';
import { fullDate, maybe, setFieldError, value } from './forms.js';
import { forget, remember, saved } from './store.js';
import { setupUploads } from './uploads.js';

const code = document.body.dataset.code;
const WITHDRAWABLE = ['submitted', 'intake_check', 'in_review', 'returned_for_revision'];
const UPLOADABLE = ['submitted', 'intake_check', 'returned_for_revision'];
let status = document.body.dataset.status;
let uploadsReady = false;

const docNames = () => Object.fromEntries($$('form.upload').map((f) => [f.dataset.doc, f.dataset.name]));

function actionName(action) {
  if (action.startsWith('upload:')) {
    const doc = action.slice(7);
    return t('permit.action.upload', { document: docNames()[doc] || doc });
  }
  return maybe(`permit.action.${action}`) || action;
}

function render(view) {
  status = view.status;
  document.body.dataset.status = status;
  const box = $('#status');
  box.className = `status pstatus-${status}`;
  let detail = maybe(`permit.detail.${status}`);
  const notes = (view.history || []).filter((e) => e.note && e.status === status).map((e) => e.note);
  if (notes.length) detail = `${detail ? `${detail} ` : ''}${t('permit.note_from_office', { note: notes[notes.length - 1] })}`;
  setText($('#status-main'), maybe(`permit.status.${status}`) || status);
  setText($('#status-detail'), detail);
  const sla = $('#sla');
  sla.className = `sla sla-${view.sla_state}`;
  setText(sla, view.sla_state && view.sla_state !== 'closed'
    ? t(`permit.sla.${view.sla_state}`, { date: fullDate(view.due_date) }) : '');
  $('#timeline').replaceChildren(...(view.history || []).map((e) => {
    const what = actionName(e.action);
    const after = maybe(`permit.status.${e.status}`) || e.status;
    return el('li', {},
      el('p', { class: 'tl-status' }, what),
      el('p', { class: 'small' }, el('time', { datetime: e.at }, when(e.at)),
        what === after ? '' : ` · ${t('permit.status_after', { status: after })}`),
      e.note ? el('p', { class: 'tl-note' }, t('permit.note_from_office', { note: e.note })) : null);
  }));
  controls();
}

/** What the applicant may do now, with the secret on this device. */
function controls() {
  const mine = saved(code);
  const open = WITHDRAWABLE.includes(status) || UPLOADABLE.includes(status);
  $('#mine').hidden = !mine;
  $('#claim').hidden = !!mine || !open;
  if (!mine) return;
  $('#withdraw').hidden = !WITHDRAWABLE.includes(status);
  $('#resubmit').hidden = status !== 'returned_for_revision';
  $('#transitions').hidden = $('#withdraw').hidden && $('#resubmit').hidden;
  const uploads = $('#uploads');
  if (uploads) {
    uploads.hidden = !UPLOADABLE.includes(status);
    if (!uploadsReady) {
      uploadsReady = true;
      setupUploads(uploads, () => ({ code, secret: saved(code)?.secret || '' }), lost);
    }
  }
}

/** The service refused the secret: forget it here and offer to type it in again. */
function lost() {
  forget(code);
  controls();
  const error = $('#claim-form .field-error');
  setText(error, t('permit.secret_wrong'));
  setFieldError($('#claim-form [data-field]'), t('permit.secret_wrong'));
  $('#f-secret').focus();
}

async function act(action) {
  const error = $('#action-error');
  const done = $('#action-done');
  setText(error, '');
  setText(done, '');
  try {
    const { data } = await api(`/api/v1/permits/${encodeURIComponent(code)}/transitions`, {
      method: 'POST', headers: { 'X-Applicant-Secret': saved(code)?.secret || '' },
      body: { action, note: $('#f-note').value.trim() },
    });
    $('#f-note').value = '';
    render(data);
    setText(done, t(`permit.done.${action}`));
    done.focus();
  } catch (e) {
    if (e instanceof HttpError && e.status === 403) return lost();
    if (e instanceof HttpError && e.status === 409) setText(error, t('permit.illegal'));
    else if (e instanceof HttpError) setText(error, e.problem.detail || t('error.generic'));
    else setText(error, t('error.try_again'));
  }
  return undefined;
}

async function main() {
  await loadTexts();
  $('#action-done').tabIndex = -1;
  controls();
  $('#withdraw').addEventListener('click', () => {
    if (window.confirm(t('permit.withdraw_confirm'))) act('withdraw');
  });
  $('#resubmit').addEventListener('click', () => act('resubmit'));
  $('#forget').addEventListener('click', () => {
    if (!window.confirm(t('permit.forget_confirm'))) return;
    forget(code);
    controls();
    $('#f-secret').focus();
  });
  const claim = $('#claim-form');
  claim.noValidate = true;
  claim.addEventListener('submit', (event) => {
    event.preventDefault();
    const secret = value(claim, 'secret');
    const box = $('[data-field]', claim);
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(secret)) {
      setFieldError(box, secret ? t('permit.claim_invalid') : t('err.required'));
      $('#f-secret').focus();
      return;
    }
    setFieldError(box, '');
    remember(code, { secret });
    $('#f-secret').value = '';
    controls();
    setText($('#action-done'), t('permit.claimed'));
    $('#action-done').focus();
  });
}

main();
