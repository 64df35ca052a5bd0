// Document uploads for a permit application: multipart/form-data with the
// applicant's secret in X-Applicant-Secret. The size and the real format (by
// the first bytes, as the service checks) are tested before sending.
import { $, $$, setText, t } from './core.js';
import { apiErrorText, setFieldError, sizeText } from './forms.js';

const MAGIC = [['pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]], ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]];

async function sniff(file) {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const found = MAGIC.find(([, bytes]) => bytes.every((b, i) => head[i] === b));
  return found ? found[0] : null;
}

/**
 * Wires the upload forms in `section`. `auth()` gives {code, secret};
 * `onForbidden()` runs when the service refuses the secret.
 */
export function setupUploads(section, auth, onForbidden = () => {}) {
  const names = {};
  for (const form of $$('form.upload', section)) names[form.dataset.doc] = form.dataset.name;
  for (const form of $$('form.upload', section)) {
    form.noValidate = true;
    const input = $('input[type=file]', form);
    const box = $('[data-field]', form);
    const done = $('.upload-done', form);
    const fail = (text) => {
      setText(done, '');
      setFieldError(box, text);
      input.focus();
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      setFieldError(box, '');
      const file = input.files[0];
      if (!file) return fail(t('upload.choose_file'));
      const max = Number(form.dataset.max);
      if (file.size > max) return fail(t('upload.too_big', { size: sizeText(file.size), max: sizeText(max) }));
      const formats = form.dataset.formats.split(',');
      if (!formats.includes(await sniff(file))) {
        return fail(t('upload.wrong_format', { formats: formats.map((f) => f.toUpperCase()).join(', ') }));
      }
      const { code, secret } = auth();
      const body = new FormData();
      body.append('document', form.dataset.doc);
      body.append('file', file, file.name);
      setText(done, t('upload.uploading'));
      const button = $('button', form);
      button.setAttribute('aria-disabled', 'true');
      try {
        const resp = await fetch(`/api/v1/permits/${encodeURIComponent(code)}/documents`, {
          method: 'POST', body, headers: { Accept: 'application/json', 'X-Applicant-Secret': secret },
          credentials: 'same-origin', cache: 'no-store',
        });
        const data = await resp.json().catch(() => ({}));
        if (resp.status === 201) {
          setText(done, t('upload.done', {
            document: form.dataset.name, size: sizeText(data.bytes), format: String(data.format).toUpperCase(),
          }));
          input.value = '';
          const missing = (data.missing || []).map((c) => names[c] || c);
          setText($('#missing', section), missing.length
            ? t('upload.missing', { documents: missing.join(', ') }) : t('upload.complete'));
          section.dispatchEvent(new CustomEvent('uploaded', { detail: data }));
          return undefined;
        }
        if (resp.status === 403) {
          onForbidden();
          return fail(t('permit.secret_wrong'));
        }
        const first = (data.errors || [])[0];
        return fail(first ? apiErrorText(first.field, first.message) : (data.detail || t('error.generic')));
      } catch (e) {
        return fail(t('error.try_again'));
      } finally {
        button.removeAttribute('aria-disabled');
      }
    });
  }
}
