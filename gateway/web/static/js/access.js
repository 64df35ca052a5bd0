// /access: the search form asks the API and redraws the results without a
// page load (the count is a live region); /access/{office}: problem reports
// are sent as JSON and confirmed in place. Both forms also work without scripts.
import { $, $$, api, el, HttpError, loadTexts, NetworkError, setText, t } from './core.js';
import { problemErrors, showErrors, value, clearErrors } from './forms.js';

const NEEDS = ['wheelchair', 'toilets_wheelchair', 'hearing', 'vision', 'tactile_paving', 'hearing_loop', 'priority_counter'];
const SYMBOL = { yes: '✓', limited: '◐', no: '✗', unknown: '?' };

function card(o) {
  const rows = NEEDS.map((need) => {
    const v = o.summary?.[need] || 'unknown';
    return el('div', { class: `sum sum-${v}` }, el('dt', {}, t(`need.${need}`)),
      el('dd', {}, el('span', { class: 'sum-icon', 'aria-hidden': 'true' }, SYMBOL[v] || '?'), ` ${t(`answer.${v}`)}`));
  });
  return el('li', { class: 'card office', dataset: { office: o.office_id } },
    el('h3', {}, `${o.name} `, el('span', { class: 'muted small' }, o.office_id)),
    el('dl', { class: 'summary' }, ...rows),
    el('p', { class: 'actions' }, el('a', {
      class: 'button secondary', href: `/access/${encodeURIComponent(o.office_id)}`,
      'aria-label': t('access.details_of', { office: o.name }),
    }, t('access.details'))));
}

/** On a phone the results are below the fold: take focus and the view there. */
function showResults() {
  const heading = $('#results-h');
  heading.focus({ preventScroll: true });
  heading.scrollIntoView({ block: 'start' }); // at once: the answer is there when focus is
}

function setupSearch(form) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const needs = $$('input[name=needs]:checked', form).map((i) => i.value);
    const openNow = $('#open-now').checked;
    const count = $('#results-count');
    setText(count, t('access.searching'));
    try {
      const query = `needs=${encodeURIComponent(needs.join(','))}&open_now=${openNow}`;
      const { data } = await api(`/api/v1/accessibility/search?${query}`);
      $('#results').replaceChildren(...data.map(card));
      let text = t('access.count', { n: data.length });
      if (!data.length) text = needs.length ? t('access.none') : t('access.none_at_all');
      setText(count, text);
      showResults();
      const params = new URLSearchParams(needs.map((n) => ['needs', n]));
      if (openNow) params.set('open_now', 'true');
      const lang = new URLSearchParams(location.search).get('lang');
      if (lang) params.set('lang', lang);
      history.replaceState(null, '', `/access${params.toString() ? `?${params}` : ''}`);
    } catch (e) {
      setText(count, e instanceof NetworkError ? t('error.try_again') : t('error.generic'));
    }
  });
}

function setupReport(form) {
  form.noValidate = true;
  const done = $('.report-done', form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setText(done, '');
    const description = value(form, 'description');
    const contact = value(form, 'contact');
    const errors = [];
    if (description.length < 5) errors.push(['description', description ? t('err.min_chars', { n: 5 }) : t('err.required')]);
    else if (description.length > 1000) errors.push(['description', t('err.length', { min: 5, max: 1000 })]);
    if (contact && contact.replace(/\D/g, '').length < 8) errors.push(['contact', t('err.phone_format')]);
    if (errors.length) {
      showErrors(form, null, errors);
      return;
    }
    clearErrors(form);
    setText(done, t('report.sending'));
    try {
      const { data } = await api(`/api/v1/facilities/${encodeURIComponent(form.dataset.facility)}/reports`, {
        method: 'POST', body: contact ? { description, contact } : { description },
      });
      form.elements.namedItem('description').value = '';
      form.elements.namedItem('contact').value = '';
      setText(done, t('report.done', { id: data.id }));
    } catch (e) {
      setText(done, '');
      const found = e instanceof HttpError ? problemErrors(e.problem) : [];
      showErrors(form, null, found.length ? found : [['description', e instanceof HttpError
        ? (e.problem.detail || t('error.generic')) : t('error.try_again')]]);
    }
  });
}

async function main() {
  await loadTexts();
  const search = $('#search');
  if (search) setupSearch(search);
  $$('form.report-form').forEach(setupReport);
}

main();
