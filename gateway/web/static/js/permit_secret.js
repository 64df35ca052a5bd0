// Keeping the applicant secret at the moment it is shown: copy it, print the page,
// save it as a QR code. After an apply without reloading (permits.js), the QR code
// is asked for once (a POST: the secret never goes into a URL).
import { $, loadTexts, setText, t } from './core.js';

const done = $('#done');

async function fillQr() {
  const code = $('#done-code').textContent.trim();
  const secret = $('#done-secret').textContent.trim();
  if (!code || !secret || $('#secret-qr-img').dataset.for === code) return;
  $('#secret-qr-img').dataset.for = code;
  try {
    const resp = await fetch('/permits/secret-qr', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, secret }), credentials: 'same-origin', cache: 'no-store',
    });
    if (!resp.ok) return;
    const { data_uri: uri } = await resp.json();
    $('#secret-qr-img').src = uri;
    $('#secret-qr-img').alt = t('secret.qr_alt', { code });
    $('#save-secret-qr').href = uri;
    $('#save-secret-qr').download = `senja-${code}.svg`;
    $('#save-secret-qr').hidden = false;
    $('.secret-qr').hidden = false;
  } catch (e) { /* copying and printing still work */ }
}

async function main() {
  if (!done) return;
  await loadTexts();
  const copy = $('#copy-secret');
  const print = $('#print-secret');
  if (navigator.clipboard) copy.hidden = false;
  print.hidden = false;
  copy.addEventListener('click', async () => {
    const text = `${$('#done-code').textContent.trim()} ${$('#done-secret').textContent.trim()}`;
    try {
      await navigator.clipboard.writeText(text);
      setText($('#secret-copied'), t('secret.copied'));
    } catch (e) {
      setText($('#secret-copied'), t('secret.copy_failed'));
    }
  });
  print.addEventListener('click', () => window.print());
  if (!done.hidden) fillQr();
  new MutationObserver(() => { if (!done.hidden) fillQr(); }).observe(done, { attributes: true, attributeFilter: ['hidden'] });
}

main();
