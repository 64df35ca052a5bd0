// The staff desks in a real browser, against a running stack. Run by
// tests/e2e/test_desks.py with SENJA_URL, SENJA_OFFICE, SENJA_PASSWORD,
// SENJA_CLERK, SENJA_SUPERVISOR, SENJA_SIGNER, SENJA_REPORT (a problem report's
// number, filed with a phone number), SCREENSHOT_DIR and CHROMIUM set.
// A citizen applies for an IUMK on a 360 px phone (KBLI from the lookup, the
// secret kept as a QR code) and uploads a document; staff take it to issued on
// /staff/permits at 1280 px (the document opened, a note required for a return,
// four eyes at signing); the certificate is downloaded by staff and by the
// applicant; /verify takes the number in lower case with spaces. A supervisor
// reveals a report's number and closes it on /staff/reports; the citizen reads
// the answer at /report. axe on every page state, screenshots at both widths.
import { BASE, DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const PASSWORD = process.env.SENJA_PASSWORD;
const CLERK = process.env.SENJA_CLERK;
const SUPERVISOR = process.env.SENJA_SUPERVISOR;
const SIGNER = process.env.SENJA_SIGNER;
const REPORT = process.env.SENJA_REPORT;
const NIK = '3371024506900001';

const { results, open, visit, run } = harness({ expectedErrors: /status of (403|404|409|422)/ });
const text = async (page, sel) => ((await page.locator(sel).first().textContent()) || '').trim();
const focusedId = (page) => page.evaluate(() => document.activeElement?.id || '');

async function apply(browser) {
  const ctx = await browser.newContext({ ...PHONE, acceptDownloads: true });
  // IUMK asks KBLI as its question: the form asks it once, with the KBLI 2020 lookup.
  const iumk = await open(ctx, 'apply_iumk', '/permits?type=IUMK');
  results.checks.kbli_fields = await iumk.locator('input[name$="kbli"]').count();
  results.checks.kbli_options = await iumk.locator('#kbli-2020 option').count();
  results.checks.kbli_list = await iumk.getAttribute('#f-answers-kbli', 'list');
  await iumk.click('#submit');
  await iumk.waitForSelector('#form-errors:not([hidden])');
  results.checks.summary_first = await text(iumk, '#form-errors-list li');
  await visit(iumk, 'desks-apply-iumk-errors');
  // SKDU (one required document) goes all the way: KBLI as the business's code.
  const page = await open(ctx, 'apply', '/permits?type=SKDU');
  results.checks.skdu_kbli_list = await page.getAttribute('#f-business-kbli', 'list');
  await page.fill('#f-applicant-nik', NIK);
  await page.fill('#f-applicant-name', 'Siti Rahayu');
  await page.fill('#f-applicant-phone', '0812-3456-7890');
  await page.fill('#f-business-name', 'Warung Siti');
  await page.fill('#f-business-address', 'Jl. Pahlawan 12, Magelang');
  await page.fill('#f-business-kbli', '56102');
  await page.selectOption('#f-office_id', OFFICE);
  await page.click('#submit');
  await page.waitForSelector('#done:not([hidden])');
  const code = await text(page, '#done-code');
  await page.waitForFunction(() => document.querySelector('#secret-qr-img').naturalWidth > 0);
  results.checks.secret_keep = {
    copy: await page.isVisible('#copy-secret'), print: await page.isVisible('#print-secret'),
    qr: await page.isVisible('#secret-qr-img'), save: await page.getAttribute('#save-secret-qr', 'href'),
    download: await page.getAttribute('#save-secret-qr', 'download'),
  };
  await visit(page, 'desks-apply-done');
  // One required document, so that staff have something to open.
  const pdf = Buffer.from('%PDF-1.4\n% KTP\n' + 'x'.repeat(400) + '\n%%EOF\n');
  await page.setInputFiles('#doc-ktp', { name: 'ktp.pdf', mimeType: 'application/pdf', buffer: pdf });
  const uploaded = page.waitForResponse((r) => r.url().endsWith(`/permits/${code}/documents`));
  await page.click('form.upload[data-doc="ktp"] button');
  results.checks.upload_status = (await uploaded).status();
  results.checks.code = code;
  return { ctx, code };
}

async function signIn(browser, username, size = DESKTOP) {
  const ctx = await browser.newContext({ ...size, acceptDownloads: true });
  const page = await open(ctx, `staff_permits_${username}`, '/staff/permits');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#desk:not([hidden])');
  await page.waitForSelector('#work-rows tr');
  return { ctx, page };
}

async function openApplication(page, code) {
  await page.selectOption('#status-filter', '');
  await page.waitForSelector(`#work-rows [data-code="${code}"]`);
  await page.click(`#work-rows [data-code="${code}"]`);
  await page.waitForSelector('#detail:not([hidden])');
}

async function act(page, action, key) {
  const before = await text(page, '#detail-status');
  if (key) {
    await page.locator('#detail').focus();
    await page.keyboard.press(key);
  } else {
    await page.click(`#detail-actions [data-action="${action}"]`);
  }
  await page.waitForFunction((b) => document.querySelector('#detail-status').textContent !== b, before);
  return text(page, '#detail-status');
}

async function desk(browser, code) {
  const clerk = await signIn(browser, CLERK);
  const page = clerk.page;
  await visit(page, 'desks-permits-list');
  results.checks.list = {
    first_row: await page.locator('#work-rows tr').count(),
    days_left: await text(page, `#work-rows tr:has([data-code="${code}"]) td:last-child`),
  };
  await openApplication(page, code);
  results.checks.detail = {
    focus: await focusedId(page),
    heading: await text(page, '#detail-h'),
    facts: await page.locator('#detail-facts').innerText(),
    actions: await page.locator('#detail-actions [data-action]').evaluateAll((n) => n.map((b) => b.dataset.action)),
  };
  // The document opens (saved with the staff token).
  const download = page.waitForEvent('download');
  await page.click('#detail-documents [data-document="ktp"]');
  const doc = await download;
  results.checks.document = { name: doc.suggestedFilename(), failure: await doc.failure() };
  await visit(page, 'desks-permit-detail');
  const steps = {};
  steps.start_intake = await act(page, 'start_intake', '1');  // the first action's key
  // Returning needs a note: without one, the page says so and puts focus on it.
  await page.click('#detail-actions [data-action="return"]');
  results.checks.note_required = { error: await text(page, '#action-error'), focus: await focusedId(page) };
  steps.accept = await act(page, 'accept');
  results.checks.clerk_after_accept = await page.locator('#detail-actions [data-action]').evaluateAll((n) => n.map((b) => b.dataset.action));

  const sup = await signIn(browser, SUPERVISOR);
  await openApplication(sup.page, code);
  steps.approve = await act(sup.page, 'approve');
  await page.click('#back');
  await openApplication(page, code);
  steps.send_to_signing = await act(page, 'send_to_signing');
  await sup.page.click('#back');
  await openApplication(sup.page, code);
  results.checks.approver_at_signing = await sup.page.locator('#detail-actions [data-action]').evaluateAll((n) => n.map((b) => b.dataset.action));

  const signer = await signIn(browser, SIGNER);
  await openApplication(signer.page, code);
  steps.sign = await act(signer.page, 'sign');
  results.checks.steps = steps;
  results.checks.issued = {
    focus: await focusedId(signer.page),
    facts: await signer.page.locator('#detail-facts').innerText(),
    live: await text(signer.page, '#live'),
  };
  await visit(signer.page, 'desks-permit-issued');
  const certificate = signer.page.waitForEvent('download');
  await signer.page.click('#certificate');
  const pdf = await certificate;
  const fs = await import('node:fs');
  const path = await pdf.path();
  results.checks.staff_certificate = { name: pdf.suggestedFilename(), head: fs.readFileSync(path).subarray(0, 5).toString() };
  const facts = results.checks.issued.facts;
  results.checks.number = (/(\d{6}-[A-Z0-9_]+-\d{4}-\d{5})/.exec(facts) || [])[1] || '';
  results.checks.vcode = (/Kode verifikasi\s+([A-Z0-9]{16})/.exec(facts) || [])[1] || '';
  // A phone-width look at the desk, and the English page (the tab stays signed in).
  await signer.page.setViewportSize({ width: 360, height: 740 });
  results.checks.desk_phone_width = await signer.page.evaluate(() => document.documentElement.scrollWidth);
  await signer.page.setViewportSize({ width: 1280, height: 800 });
  await signer.page.goto(`${BASE}/staff/permits?lang=en`);
  await signer.page.waitForSelector('#desk:not([hidden]) #work-rows tr');
  await openApplication(signer.page, code);
  results.checks.english = {
    h1: await text(signer.page, 'h1'), status: await text(signer.page, '#detail-status'),
    body: await signer.page.locator('#detail').innerText(),
  };
  await visit(signer.page, 'desks-permit-issued-en');
  for (const c of [clerk.ctx, sup.ctx, signer.ctx]) await c.close();
}

async function applicantCertificate(ctx, code) {
  const page = await open(ctx, 'permit_issued', `/permits/${code}`);
  results.checks.applicant_certificate_form = {
    visible: await page.isVisible('#certificate-form'), secret_field_hidden: await page.isHidden('#cert-secret-field'),
  };
  await visit(page, 'desks-permit-issued-applicant');
  const answered = page.waitForResponse((r) => r.url().endsWith(`/permits/${code}/certificate.pdf`));
  const download = page.waitForEvent('download').catch((e) => e);
  await page.click('#certificate-download');
  const resp = await answered;
  results.checks.applicant_certificate_status = resp.status();
  results.checks.applicant_certificate_headers = resp.headers();
  const pdf = await download;
  if (pdf instanceof Error) throw new Error(`no download: ${resp.status()} ${JSON.stringify(resp.headers())}`);
  results.checks.applicant_certificate = { name: pdf.suggestedFilename(), failure: await pdf.failure() };
}

async function verify(browser) {
  const ctx = await browser.newContext(PHONE);
  const page = await open(ctx, 'verify_typed', '/verify');
  await page.fill('#f-number', ` ${results.checks.number.toLowerCase()} `);
  await page.fill('#f-code', results.checks.vcode.toLowerCase().replace(/(.{4})/g, '$1 '));
  await page.click('#verify-form button[type=submit]');
  await page.waitForFunction(() => !document.querySelector('#result').hidden && document.querySelector('#result-title').textContent);
  results.checks.verify_typed = { title: await text(page, '#result-title'), kind: await page.getAttribute('#result', 'class') };
  // A number nobody has: "not found, check the typing", never "palsu".
  await page.fill('#f-number', '337102-iumk-1999-00001');
  await page.click('#verify-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#result').classList.contains('verify-unknown'));
  results.checks.verify_unknown = { title: await text(page, '#result-title'), text: await text(page, '#result-text') };
  await visit(page, 'desks-verify-unknown');
  await ctx.close();
}

async function reports(browser) {
  const ctx = await browser.newContext(DESKTOP);
  const page = await open(ctx, 'staff_reports', '/staff/reports');
  await visit(page, 'desks-reports-login');
  await page.fill('#username', SUPERVISOR);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector(`#r-${REPORT}`);
  const card = `#r-${REPORT}`;
  results.checks.report_masked = await text(page, `#contact-${REPORT}`);
  await visit(page, 'desks-reports');
  await page.click(`${card} [data-reveal]`);
  await page.waitForSelector(`#contact-${REPORT} a`);
  results.checks.report_revealed = {
    number: await text(page, `#contact-${REPORT}`), href: await page.getAttribute(`#contact-${REPORT} a`, 'href'),
    history: await page.locator(`${card} .report-history li`).allInnerTexts(), focus: await page.evaluate(() => document.activeElement?.tagName),
  };
  await page.click(`${card} form button[type=submit]`);
  results.checks.report_short = await text(page, `#answer-${REPORT}-error`);
  await page.fill(`#answer-${REPORT}`, 'Motor yang menghalangi ramp sudah dipindahkan. Terima kasih atas laporannya.');
  await page.click(`${card} form button[type=submit]`);
  await page.waitForSelector(`${card}.report-closed`);
  results.checks.report_closed = { live: await text(page, '#live'), history: await page.locator(`${card} .report-history li`).allInnerTexts() };
  await visit(page, 'desks-reports-closed');
  await ctx.close();

  const phone = await browser.newContext(PHONE);
  const lookup = await open(phone, 'report_lookup', `/report?number=${REPORT}`);
  results.checks.report_lookup = {
    state: await text(lookup, '#report-state'), answer: await text(lookup, '#report-answer'),
    body: await lookup.locator('main').innerText(),
  };
  await visit(lookup, 'desks-report-lookup');
  const typo = await open(phone, 'report_lookup_typo', '/report?number=xyz');
  results.checks.report_typo = await text(typo, '#f-number-error');
  await phone.close();
}

run(async (browser) => {
  const { ctx, code } = await apply(browser);
  await desk(browser, code);
  await applicantCertificate(ctx, code);
  await ctx.close();
  await verify(browser);
  await reports(browser);
});
