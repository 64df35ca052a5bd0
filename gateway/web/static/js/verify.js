// /verify: checks a permit number and code through the API and says plainly
// (words and a symbol, not colour alone) whether the permit is genuine and
// valid. The server renders the same answer when the QR code opens the page.
import { $, api, el, HttpError, loadTexts, setText, t } from './core.js';
import { clearErrors, fullDate, maybe, problemErrors, showErrors, value } from './forms.js';

const form = $('#verify-form');
const summary = $('#form-errors');

async function quietly(path) {
  try { return (await api(path)).data; } catch (e) { return null; }
}

function statusName(status) {
  return maybe(`permit.status.${status}`) || status || '';
}

async function show(result) {
  // Not found is a reason to check the typing, never a verdict of forgery.
  let [kind, icon, title, text] = ['unknown', '?', t('verify.not_found'), t('verify.not_found_text')];
  let facts = [];
  if (!result.genuine && result.reason === 'code_mismatch') {
    [kind, icon, title, text] = ['fake', '✗', t('verify.mismatch'), t('verify.mismatch_text')];
    facts = [[t('verify.number'), result.permit_number]];
  }
  if (result.genuine) {
    const [type, office] = await Promise.all([
      quietly(`/api/v1/permit-types/${encodeURIComponent(result.permit_type)}`),
      quietly(`/api/v1/offices/${encodeURIComponent(result.office_id)}`)]);
    const lang = document.documentElement.lang;
    facts = [[t('verify.number'), result.permit_number],
      [t('verify.type'), type?.name?.[lang] || type?.name?.id || result.permit_type],
      [t('verify.holder'), result.holder], [t('verify.business'), result.business],
      [t('verify.office'), office?.name || result.office_id],
      [t('verify.issued'), result.issued_date ? fullDate(result.issued_date) : ''],
      [t('verify.status'), statusName(result.status)]];
    if (result.valid) {
      [kind, icon, title, text] = ['ok', '✓', t('verify.ok'), t('verify.ok_text')];
    } else {
      [kind, icon, title, text] = ['invalid', '!', t('verify.invalid', { status: statusName(result.status).toLowerCase() }), t('verify.invalid_text')];
    }
  }
  const box = $('#result');
  box.className = `verify verify-${kind}`;
  setText($('#result-icon'), icon);
  setText($('#result-title'), title);
  setText($('#result-text'), text);
  $('#result-facts').replaceChildren(...facts.filter(([, v]) => v).map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  box.hidden = false;
  document.title = `${title} · ${t('verify.title')} · Senja`;
  box.focus();
}

async function check(event) {
  event.preventDefault();
  // As typed from paper: spaces anywhere go, letters in capitals.
  const number = value(form, 'number').replace(/\s+/g, '').toUpperCase();
  const code = value(form, 'code').replace(/\s+/g, '').toUpperCase();
  const errors = [];
  if (!number) errors.push(['number', t('verify.number_required')]);
  else if (!/^[A-Za-z0-9_-]{1,64}$/.test(number)) errors.push(['number', t('verify.number_invalid')]);
  if (!code) errors.push(['code', t('verify.code_required')]);
  else if (!/^[A-Za-z0-9]{1,64}$/.test(code)) errors.push(['code', t('verify.code_invalid')]);
  if (errors.length) {
    showErrors(form, summary, errors);
    return;
  }
  clearErrors(form, summary);
  setText($('#verify-live'), t('verify.checking'));
  try {
    const { data } = await api(`/api/v1/verify/${encodeURIComponent(number)}?code=${encodeURIComponent(code)}`);
    const params = new URLSearchParams({ number, code });
    const lang = new URLSearchParams(location.search).get('lang');
    if (lang) params.set('lang', lang);
    history.replaceState(null, '', `/verify?${params}`);
    setText($('#verify-live'), '');
    await show(data);
  } catch (e) {
    setText($('#verify-live'), '');
    const found = e instanceof HttpError ? problemErrors(e.problem) : [];
    showErrors(form, summary, found.length ? found : [['form', e instanceof HttpError
      ? (e.problem.detail || t('error.generic')) : t('error.try_again')]]);
  }
}

async function main() {
  await loadTexts();
  form.noValidate = true;
  form.addEventListener('submit', check);
}

main();
