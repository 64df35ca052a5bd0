// Permits, accessibility and permit verification in a real browser, against a
// running stack. Run by tests/e2e/test_civic.py: `node tests/e2e/civic_flows.mjs`
// with SENJA_URL, SENJA_OFFICE, SENJA_VERIFY_URL (an issued permit's verify_url),
// SENJA_REVOKED_URL (a revoked one's), SCREENSHOT_DIR and CHROMIUM set.
// Same tools as flows.mjs: Debian's chromium through playwright-core, axe-core on
// every page state, screenshots at phone and desktop width, one JSON line of results.
import { BASE, DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const VERIFY_URL = process.env.SENJA_VERIFY_URL;
const REVOKED_URL = process.env.SENJA_REVOKED_URL;
const GOOD_NIK = '3371024506900001';
const BAD_NIK = '3371029999990001'; // 16 digits, but no such birth date: only the service knows

// 404/409/422 answers are part of the scenario (a bad NIK, an unknown code);
// "withdraw this application?" is answered yes.
const { results, open, visit, run } = harness({ expectedErrors: /status of (404|409|422)/, acceptDialogs: true });

const text = async (page, sel) => ((await page.locator(sel).first().textContent()) || '').trim();
const focusedId = (page) => page.evaluate(() => document.activeElement?.id || '');

async function fillApplicant(page, nik) {
  await page.fill('#f-applicant-nik', nik);
  await page.fill('#f-applicant-name', 'Siti Rahayu');
  await page.fill('#f-applicant-phone', '0812-3456-7890');
  await page.fill('#f-business-name', 'Warung Siti');
  await page.fill('#f-business-address', 'Jl. Pahlawan 12, Magelang');
  await page.selectOption('#f-office_id', OFFICE);
}

async function permits(browser, phone) {
  const ctx = await browser.newContext(phone);
  const list = await open(ctx, 'permits', '/permits');
  results.checks.permits_types = await list.locator('li.permit-type').evaluateAll((n) => n.map((li) => li.dataset.type));
  results.checks.permits_fee_text = await text(list, 'li.permit-type[data-type="IUMK"] dl div:nth-child(2) dd');
  results.checks.permits_iumk_text = await list.locator('li.permit-type[data-type="IUMK"]').innerText();
  await visit(list, 'permits');

  // IUMK: an empty submit is caught here, a NIK with an impossible birth date by the service.
  await list.click('li.permit-type[data-type="IUMK"] a.button');
  await list.waitForURL(/type=IUMK/);
  const form = list;
  await visit(form, 'permit-form');
  await form.click('#submit');
  await form.waitForSelector('#form-errors:not([hidden])');
  results.checks.empty_submit = {
    errors: await form.locator('#form-errors-list li').count(),
    focus: await focusedId(form),
    nik_error: await text(form, '#f-applicant-nik-error'),
  };
  // "If you apply now, decided by …" follows the office chosen (its calendar).
  results.checks.due_before = await text(form, '#due-now');
  await fillApplicant(form, BAD_NIK);
  await form.waitForFunction(() => /paling lambat/.test(document.querySelector('#due-now').textContent));
  results.checks.due_now = await text(form, '#due-now');
  await form.fill('#f-answers-kbli', '56102');
  await form.fill('#f-answers-capital', '5.000.000');
  const posted = form.waitForResponse((r) => r.url().endsWith('/api/v1/permits') && r.request().method() === 'POST');
  await form.click('#submit');
  const answer = await posted;
  await form.waitForFunction(() => document.querySelector('#f-applicant-nik-error').textContent.length > 0
    && document.querySelectorAll('#form-errors-list li').length === 1);
  results.checks.bad_nik = {
    status: answer.status(),
    idempotency_key: /^permit-[0-9a-f]{24}$/.test(answer.request().headers()['idempotency-key'] || ''),
    message: await text(form, '#f-applicant-nik-error'),
    invalid: await form.getAttribute('#f-applicant-nik', 'aria-invalid'),
    described: await form.getAttribute('#f-applicant-nik', 'aria-describedby'),
    summary: await text(form, '#form-errors-list'),
    focus: await focusedId(form),
    other_errors: await form.locator('.field-error:not(:empty)').count(),
  };
  await visit(form, 'permit-form-errors');

  await form.fill('#f-applicant-nik', GOOD_NIK);
  const started = Date.now();
  await form.click('#submit');
  await form.waitForSelector('#done:not([hidden])');
  results.timings.apply_s = (Date.now() - started) / 1000;
  const code = await text(form, '#done-code');
  const secret = await text(form, '#done-secret');
  results.checks.iumk = {
    code, secret_length: secret.length, focus: await focusedId(form),
    warning: await text(form, '#secret-warning'),
    stored: await form.isVisible('#stored'),
    form_hidden: await form.isHidden('#apply'),
    errors_hidden: await form.isHidden('#form-errors'),
    local: await form.evaluate((c) => JSON.parse(localStorage.getItem('senja.permits') || '{}')[c]?.secret || '', code) === secret,
    uploads: await form.locator('#uploads').count(),
  };
  await visit(form, 'permit-done');

  // Its tracking page, rendered by the server; the device holds the secret.
  const track = await open(ctx, 'permit_track', `/permits/${code}`);
  results.checks.track = {
    status: await text(track, '#status-main'),
    sla: await text(track, '#sla'),
    history: await track.locator('#timeline li').count(),
    first: await text(track, '#timeline li'),
    mine: await track.isVisible('#mine'),
    withdraw: await track.isVisible('#withdraw'),
    claim: await track.isVisible('#claim'),
  };
  await visit(track, 'permit-track');
  const english = await open(ctx, 'permit_track_en', `/permits/${code}?lang=en`);
  results.checks.track_en = { lang: await english.getAttribute('html', 'lang'), status: await text(english, '#status-main') };
  await english.close();
  // The list page now shows it as one of this device's applications.
  await list.goto(`${BASE}/permits?lang=id`);
  await list.waitForSelector('#mine:not([hidden])');
  results.checks.mine_links = await list.locator('#mine-list a').evaluateAll((a) => a.map((x) => x.getAttribute('href')));

  // SKDU: a second application, then its required document (a small PDF).
  const skdu = await open(ctx, 'permit_skdu', '/permits?type=SKDU');
  await fillApplicant(skdu, GOOD_NIK);
  await skdu.click('#submit');
  await skdu.waitForSelector('#done:not([hidden]) #uploads:not([hidden])');
  const skduCode = await text(skdu, '#done-code');
  results.checks.skdu_missing_before = await text(skdu, '#missing');
  await skdu.setInputFiles('#doc-ktp', { name: 'ktp.txt', mimeType: 'text/plain', buffer: Buffer.from('not a pdf at all') });
  await skdu.click('form.upload[data-doc="ktp"] button');
  await skdu.waitForFunction(() => document.querySelector('#doc-ktp-error').textContent.length > 0);
  results.checks.upload_wrong = { error: await text(skdu, '#doc-ktp-error'), focus: await focusedId(skdu) };
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await skdu.setInputFiles('#doc-ktp', { name: 'ktp.pdf', mimeType: 'application/pdf', buffer: pdf });
  const uploaded = skdu.waitForResponse((r) => r.url().endsWith(`/permits/${skduCode}/documents`));
  await skdu.click('form.upload[data-doc="ktp"] button');
  const upload = await uploaded;
  await skdu.waitForFunction(() => document.querySelector('#doc-ktp-done').textContent.includes('PDF'));
  results.checks.upload = {
    status: upload.status(),
    secret_header: !!upload.request().headers()['x-applicant-secret'],
    multipart: /^multipart\/form-data/.test(upload.request().headers()['content-type'] || ''),
    done: await text(skdu, '#doc-ktp-done'),
    missing: await text(skdu, '#missing'),
    error: await text(skdu, '#doc-ktp-error'),
  };
  await visit(skdu, 'permit-upload');

  // The applicant withdraws the SKDU application from its tracking page.
  const skduTrack = await open(ctx, 'permit_skdu_track', `/permits/${skduCode}`);
  results.checks.skdu_history = await skduTrack.locator('#timeline li').allInnerTexts();
  await skduTrack.fill('#f-note', 'Salah jenis izin');
  await skduTrack.click('#withdraw');
  await skduTrack.waitForFunction(() => document.body.dataset.status === 'withdrawn');
  results.checks.withdrawn = {
    status: await text(skduTrack, '#status-main'),
    done: await text(skduTrack, '#action-done'),
    focus: await focusedId(skduTrack),
    withdraw_hidden: await skduTrack.isHidden('#withdraw'),
    uploads_hidden: await skduTrack.isHidden('#uploads'),
    history: await skduTrack.locator('#timeline li').count(),
  };
  await visit(skduTrack, 'permit-withdrawn');

  // Without scripts: the same form is a plain post and shows both codes.
  const plainCtx = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const plain = await open(plainCtx, 'permit_noscript', '/permits?type=IUMK');
  await fillApplicant(plain, GOOD_NIK);
  await plain.fill('#f-answers-kbli', '123'); // the service refuses it: the page says so next to the field
  await plain.fill('#f-answers-capital', '5000000');
  const refused = plain.waitForResponse((r) => r.request().method() === 'POST');
  await plain.click('#submit');
  results.checks.noscript_error = {
    status: (await refused).status(), message: await text(plain, '#f-answers-kbli-error'),
    kept: await plain.inputValue('#f-business-name'),
  };
  await plain.fill('#f-answers-kbli', '56102');
  const accepted = plain.waitForResponse((r) => r.request().method() === 'POST');
  await plain.click('#submit');
  results.checks.noscript_done = {
    status: (await accepted).status(), code: await text(plain, '#done-code'),
    secret: (await text(plain, '#done-secret')).length,
  };
  await plainCtx.close();
  await ctx.close();
}

async function verify(browser, phone) {
  const ctx = await browser.newContext(phone);
  const empty = await open(ctx, 'verify_empty', '/verify');
  await visit(empty, 'verify');
  const ok = await open(ctx, 'verify', VERIFY_URL);
  results.checks.verify_ok = {
    title: await text(ok, '#result-title'), kind: await ok.getAttribute('#result', 'class'),
    facts: await ok.locator('#result-facts').innerText(), doc_title: await ok.title(),
  };
  await visit(ok, 'verify-ok');
  // Tampered code, typed into the manual form (the script asks the API).
  await ok.fill('#f-code', 'AAAAAAAAAAAAAAAA');
  await ok.click('#verify-form button[type=submit]');
  await ok.waitForFunction(() => document.querySelector('#result').classList.contains('verify-fake'));
  results.checks.verify_fake = {
    title: await text(ok, '#result-title'), focus: await focusedId(ok), url: new URL(ok.url()).search,
    facts: await ok.locator('#result-facts div').count(),
  };
  await visit(ok, 'verify-fake');
  const revoked = await open(ctx, 'verify_revoked', REVOKED_URL);
  results.checks.verify_revoked = { title: await text(revoked, '#result-title') };
  await visit(revoked, 'verify-revoked');
  const plainCtx = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const plain = await open(plainCtx, 'verify_noscript', VERIFY_URL.replace(/code=[^&]+/, 'code=BBBBBBBBBBBBBBBB'));
  results.checks.verify_noscript = await text(plain, '#result-title');
  await plainCtx.close();
  await ctx.close();
}

async function access(browser, desktop) {
  const ctx = await browser.newContext(desktop);
  const page = await open(ctx, 'access', '/access');
  results.checks.access_initial = await page.locator('#results li.office').count();
  results.checks.export_links = await page.locator('.open-data a').evaluateAll((a) => a.map((x) => x.getAttribute('href')));
  await visit(page, 'access');
  await page.check('input[name=needs][value=wheelchair]');
  const searched = page.waitForResponse((r) => r.url().includes('/api/v1/accessibility/search'));
  await page.click('#search button[type=submit]');
  const search = await searched;
  await page.waitForFunction(() => !/…/.test(document.querySelector('#results-count').textContent));
  results.checks.access_search = {
    api: new URL(search.url()).search,
    count: await text(page, '#results-count'),
    offices: await page.locator('#results li.office').evaluateAll((n) => n.map((li) => li.dataset.office)),
    url: new URL(page.url()).search,
  };
  await visit(page, 'access-results');
  await page.click(`#results li[data-office="${OFFICE}"] a`);
  await page.waitForURL(new RegExp(`/access/${OFFICE.replace(/\./g, '\\.')}`));
  await page.waitForLoadState('load');
  results.checks.access_office = {
    facilities: await page.locator('li.facility').evaluateAll((n) => n.map((li) => li.dataset.facility)),
    summary: await page.locator('.summary').first().innerText(),
  };
  await visit(page, 'access-office');
  const item = page.locator('li.facility[data-facility="mgu-ramp-main"]');
  await item.locator('summary').click();
  await item.locator('textarea').fill('abc');
  await item.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('li[data-facility="mgu-ramp-main"] [data-field="description"] .field-error').textContent.length > 0);
  results.checks.report_short = {
    error: await text(page, 'li[data-facility="mgu-ramp-main"] [data-field="description"] .field-error'),
    focus: await focusedId(page),
  };
  await item.locator('textarea').fill('Ram licin dan pegangan tangan goyah saat hujan.');
  await item.locator('input[name=contact]').fill('0812 3456 7890');
  const reported = page.waitForResponse((r) => r.url().includes('/api/v1/facilities/mgu-ramp-main/reports'));
  await item.locator('button[type=submit]').click();
  results.checks.report_status = (await reported).status();
  await page.waitForFunction(() => document.querySelector('li[data-facility="mgu-ramp-main"] .report-done').textContent.length > 10);
  results.checks.report_done = await text(page, 'li[data-facility="mgu-ramp-main"] .report-done');
  await visit(page, 'access-report');
  const en = await open(ctx, 'access_en', `/access/${OFFICE}?lang=en`);
  results.checks.access_en = await en.locator('.summary').first().innerText();
  await ctx.close();
}

async function main(browser) {
  const phone = PHONE;
  const desktop = DESKTOP;
  {
    const ctx = await browser.newContext(desktop);
    const home = await open(ctx, 'home', '/');
    results.checks.nav = await home.locator('header nav a').evaluateAll((a) => a.map((x) => x.getAttribute('href')));
    results.checks.home_links = await home.locator('.more-list a').evaluateAll((a) => a.map((x) => x.getAttribute('href')));
    await ctx.close();
    await permits(browser, phone);
    await verify(browser, phone);
    await access(browser, desktop);
  }
}

await run(main);
