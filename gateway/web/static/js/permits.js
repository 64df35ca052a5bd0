// /permits: the list page shows the applications kept on this device; the
// application form (?type=) is checked here first, then sent as JSON with one
// Idempotency-Key per submission (reused by its retries, so a flaky network
// never files two applications). Errors appear next to their fields.
import { $, api, el, HttpError, loadTexts, NetworkError, randomKey, setText, sleep, t } from './core.js';
import { clearErrors, fullDate, parseNumber, problemErrors, showErrors, value } from './forms.js';
import { allSaved, forget, remember } from './store.js';
import { setupUploads } from './uploads.js';

const form = $('#apply');
const summary = $('#form-errors');

function listMine() {
  const box = $('#mine');
  if (!box) return;
  const items = Object.entries(allSaved())
    .sort(([, a], [, b]) => String(b.submitted_at || '').localeCompare(String(a.submitted_at || '')))
    .map(([code, info]) => el('li', {}, el('a', { href: `/permits/${encodeURIComponent(code)}` },
      info.submitted_at ? t('permit.mine_item', { code, date: fullDate(info.submitted_at) }) : code)));
  $('#mine-list').replaceChildren(...items);
  box.hidden = items.length === 0;
}

/** Problems the service would report, found before sending: [[field, text]]. */
function check() {
  const errors = [];
  const need = (name, ok, text) => { if (!ok) errors.push([name, text]); };
  const nik = value(form, 'applicant.nik').replace(/ /g, ''); // spaces typed between groups are fine
  need('applicant.nik', nik, t('err.required'));
  if (nik) need('applicant.nik', /^\d{16}$/.test(nik), t('err.nik_format'));
  const name = value(form, 'applicant.name');
  need('applicant.name', name.length >= 2, name ? t('err.min_chars', { n: 2 }) : t('err.required'));
  const phone = value(form, 'applicant.phone');
  need('applicant.phone', phone, t('err.required'));
  if (phone) need('applicant.phone', phone.replace(/\D/g, '').length >= 8, t('err.phone_format'));
  const bname = value(form, 'business.name');
  need('business.name', bname.length >= 2, bname ? t('err.min_chars', { n: 2 }) : t('err.required'));
  const address = value(form, 'business.address');
  need('business.address', address.length >= 5, address ? t('err.min_chars', { n: 5 }) : t('err.required'));
  const kbli = value(form, 'business.kbli');
  if (kbli) need('business.kbli', /^\d{5}$/.test(kbli), t('err.kbli_format'));
  const nib = value(form, 'business.nib');
  if (nib) need('business.nib', /^\d{13}$/.test(nib), t('err.nib_format'));
  need('office_id', value(form, 'office_id'), t('err.choose_office'));
  for (const box of form.querySelectorAll('[data-field^="answers."]')) {
    const fieldName = box.dataset.field;
    const inputs = [...box.querySelectorAll('input, textarea, select')];
    const required = inputs.some((i) => i.required);
    const multi = inputs[0]?.type === 'checkbox' || inputs[0]?.type === 'radio';
    const raw = multi ? inputs.filter((i) => i.checked).map((i) => i.value) : value(form, fieldName);
    if (!raw.length) {
      if (required) errors.push([fieldName, t('err.required')]);
      continue;
    }
    const input = inputs[0];
    if (input.dataset.datatype === 'number' && Number.isNaN(parseNumber(raw))) errors.push([fieldName, t('err.number')]);
    else if (input.dataset.pattern) {
      let re = null;
      try { re = new RegExp(input.dataset.pattern, 'u'); } catch (e) { re = null; } // the service decides then
      if (re && !re.test(raw)) errors.push([fieldName, t('err.pattern')]);
    }
  }
  return errors;
}

function body() {
  const pick = (pairs) => Object.fromEntries(pairs.filter(([, v]) => v));
  const answers = {};
  for (const box of form.querySelectorAll('[data-field^="answers."]')) {
    const code = box.dataset.field.slice('answers.'.length);
    const inputs = [...box.querySelectorAll('input, textarea, select')];
    const first = inputs[0];
    if (first?.type === 'checkbox') {
      const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      if (chosen.length) answers[code] = chosen;
    } else if (first?.type === 'radio') {
      const chosen = inputs.find((i) => i.checked);
      if (chosen) answers[code] = chosen.value;
    } else {
      const raw = value(form, box.dataset.field);
      if (raw) answers[code] = first.dataset.datatype === 'number' ? parseNumber(raw) : raw;
    }
  }
  return {
    office_id: value(form, 'office_id'),
    permit_type: value(form, 'permit_type'),
    applicant: pick([['nik', value(form, 'applicant.nik')], ['name', value(form, 'applicant.name')],
      ['phone', value(form, 'applicant.phone')]]),
    business: pick([['name', value(form, 'business.name')], ['address', value(form, 'business.address')],
      ['kbli', value(form, 'business.kbli')], ['nib', value(form, 'business.nib')]]),
    answers,
  };
}

function showDone(made) {
  const code = made.tracking_code;
  const secret = made.applicant_secret;
  const stored = remember(code, { secret, type: made.permit_type, submitted_at: made.submitted_at });
  setText($('#done-code'), code);
  setText($('#done-secret'), secret);
  setText($('#done-due'), made.due_date ? t('permit.due', { date: fullDate(made.due_date) }) : '');
  $('#done-link').href = `/permits/${encodeURIComponent(code)}`;
  $('#stored').hidden = !stored;
  clearErrors(form, summary);
  form.hidden = true;
  const done = $('#done');
  done.hidden = false;
  done.focus();
  document.title = `${t('permit.done_title')} · ${code} · Senja`;
  const uploads = $('#uploads');
  if (uploads) {
    uploads.dataset.code = code;
    uploads.hidden = false;
    setupUploads(uploads, () => ({ code, secret }), () => forget(code));
  }
}

let busy = false;

async function submit(event) {
  event.preventDefault();
  if (busy) return;
  const errors = check();
  if (errors.length) {
    showErrors(form, summary, errors);
    return;
  }
  busy = true;
  const button = $('#submit');
  button.setAttribute('aria-disabled', 'true');
  setText($('#form-status'), t('permit.submitting'));
  const key = randomKey('permit'); // one per submission; its retries reuse it
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const { data } = await api('/api/v1/permits', {
          method: 'POST', headers: { 'Idempotency-Key': key }, body: body(), timeout: 15000,
        });
        setText($('#form-status'), '');
        showDone(data);
        return;
      } catch (e) {
        if (e instanceof NetworkError && attempt < 3) {
          setText($('#form-status'), t('error.network'));
          await sleep(1000 * (attempt + 1));
          continue;
        }
        setText($('#form-status'), '');
        if (e instanceof HttpError) {
          const found = problemErrors(e.problem);
          showErrors(form, summary, found.length ? found : [['form', e.problem.detail || t('error.generic')]]);
        } else {
          showErrors(form, summary, [['form', t('error.try_again')]]);
        }
        return;
      }
    }
  } finally {
    busy = false;
    button.removeAttribute('aria-disabled');
  }
}

/** "If you apply now, decided by …" for the chosen office (its calendar, the type's standard). */
async function showDueNow() {
  const office = value(form, 'office_id');
  if (!office) { setText($('#due-now'), t('permit.due_now_choose')); return; }
  const code = encodeURIComponent(document.body.dataset.type);
  const query = new URLSearchParams({ office_id: office, submitted_at: new Date().toISOString() });
  try {
    const { data } = await api(`/api/v1/permit-types/${code}/due-date?${query}`);
    setText($('#due-now'), t('permit.due_now', { date: fullDate(data.due_date) }));
  } catch (err) {
    setText($('#due-now'), ''); // the form works without the estimate
  }
}

async function main() {
  await loadTexts();
  listMine();
  if (!form) return;
  form.noValidate = true; // our messages, tied to the fields, instead of the browser's bubbles
  form.addEventListener('submit', submit);
  form.elements.office_id?.addEventListener('change', showDueNow);
  // The no-script post rendered the codes: keep them on this device too.
  const code = $('#done-code')?.textContent.trim();
  if (code && !$('#done').hidden) {
    const secret = $('#done-secret').textContent.trim();
    $('#stored').hidden = !remember(code, { secret, type: document.body.dataset.type });
    const uploads = $('#uploads');
    if (uploads) {
      uploads.hidden = false;
      setupUploads(uploads, () => ({ code, secret }), () => forget(code));
    }
  }
}

main();
