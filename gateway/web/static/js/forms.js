// Form helpers shared by the permit, accessibility and verification pages:
// messages next to their fields (tied by aria-describedby in the markup),
// an error summary that takes focus, and the API's field messages in the
// page's language (as gateway/web/forms.py field_error does).
import { $, $$, el, lang, t } from './core.js';

/** A service's message for `field` in the page's language. */
export function apiErrorText(field, message) {
  const known = t('api_errors');
  if (known && typeof known === 'object' && known[message]) return known[message];
  let m = /^Length must be between (\d+) and (\d+)\.$/.exec(message || '');
  if (m) return t('err.length', { min: m[1], max: m[2] });
  m = /^Length must be (\d+)\.$/.exec(message || '');
  if (m) return t('err.length_eq', { n: m[1] });
  if (/^Must be one of: /.test(message || '')) return t('err.choose');
  if (field === 'applicant.nik' && lang === 'id' && message) return message; // lokal speaks Indonesian
  const generic = `err.field.${field}`;
  return t(generic) !== generic ? t(generic) : t('err.invalid');
}

/** [[field, text]] from a problem+json body's errors. */
export function problemErrors(problem) {
  const list = Array.isArray(problem?.errors) ? problem.errors : [];
  return list.map((e) => [e.field, apiErrorText(e.field, e.message)]);
}

export const fieldBox = (form, name) => form.querySelector(`[data-field="${CSS.escape(name)}"]`);

function control(box) {
  return box.matches('fieldset') ? box.querySelector('input') : box.querySelector('input, select, textarea');
}

export function setFieldError(box, text) {
  const slot = box.querySelector('.field-error');
  if (slot) slot.textContent = text;
  const target = box.matches('fieldset') ? box : control(box);
  if (!target) return;
  if (text) target.setAttribute('aria-invalid', 'true');
  else target.removeAttribute('aria-invalid');
}

export function clearErrors(form, summary) {
  for (const box of $$('[data-field]', form)) setFieldError(box, '');
  if (summary) {
    summary.hidden = true;
    $('ul', summary).replaceChildren();
  }
}

/**
 * Shows each message next to its field and, with a summary box, lists them all
 * there (links to the fields) and moves focus to it; without one, focus goes
 * to the first field in error. Messages for no field appear in the summary only.
 */
export function showErrors(form, summary, errors) {
  clearErrors(form, summary);
  let first = null;
  const items = [];
  for (const [name, text] of errors) {
    const box = fieldBox(form, name);
    if (box) {
      setFieldError(box, text);
      first = first || box;
    }
    const target = box && control(box);
    // The summary names each field: "NIK: …", not the message alone.
    const label = box && $('label, legend', box)?.childNodes[0]?.textContent.trim();
    const named = label ? `${label}: ${text}` : text;
    items.push(el('li', {}, target?.id ? el('a', { href: `#${target.id}` }, named) : named));
  }
  if (summary) {
    $('ul', summary).replaceChildren(...items);
    summary.hidden = false;
    summary.focus();
  } else if (first) {
    control(first)?.focus();
  }
}

/** The value of a text control in the form, trimmed. */
export function value(form, name) {
  const node = form.elements.namedItem(name);
  return node && 'value' in node ? String(node.value).trim() : '';
}

/** '5000000', '5.000.000' or '2,5' as a number; NaN when it is none. */
export function parseNumber(text) {
  let raw = String(text).replace(/\s/g, '');
  if (/^\d{1,3}(\.\d{3})+$/.test(raw)) raw = raw.replace(/\./g, '');
  raw = raw.replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
}

/** "120 KB" / "1,5 MB" as the server writes them. */
export function sizeText(n) {
  if (n < 1000000) return t('size.kb', { n: Math.max(1, Math.round(n / 1000)) });
  return t('size.mb', { n: new Intl.NumberFormat(lang).format(Math.round(n / 100000) / 10) });
}

/** "Senin, 30 November 2026" from "2026-11-30". */
export function fullDate(iso) {
  const m = /^(\d{4})-(\d\d)-(\d\d)/.exec(iso || '');
  if (!m) return iso || '';
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const days = t('days');
  const months = t('months');
  return t('time.full_date', {
    day: Array.isArray(days) ? days[(day.getUTCDay() + 6) % 7] : '', d: Number(m[3]),
    month: Array.isArray(months) ? months[Number(m[2]) - 1] : m[2], year: m[1],
  });
}

/** A text from the i18n files, or '' when the key has none. */
export function maybe(key, values) {
  const text = t(key, values);
  return text === key ? '' : text;
}
