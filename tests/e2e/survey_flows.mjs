// The satisfaction survey and the supervisor's dashboard in a real browser,
// against a running stack. Run by tests/e2e/test_survey.py with SENJA_URL,
// SENJA_OFFICE, SENJA_TOKEN (a ticket at counter 2), SENJA_CLERK_TOKEN, SENJA_SUPERVISOR,
// SENJA_PASSWORD, SCREENSHOT_DIR and CHROMIUM set.
import { BASE, DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const TOKEN = process.env.SENJA_TOKEN;
const { results, open, visit, run } = harness({ expectedErrors: /status of (409|422)/ });
const text = async (page, sel) => ((await page.locator(sel).first().textContent()) || '').trim();

async function citizen(browser) {
  const ctx = await browser.newContext(PHONE);
  // The ticket is at the counter; the clerk completes it while the citizen watches.
  const page = await open(ctx, 'survey_ticket', `/t/${TOKEN}`);
  results.checks.invite_hidden_while_called = await page.locator('#survey-invite').isHidden();
  const done = await fetch(`${BASE}/api/v1/offices/${OFFICE}/counters/2/actions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${process.env.SENJA_CLERK_TOKEN}` },
    body: JSON.stringify({ action: 'complete' }) });
  results.checks.completed = done.status;
  await page.waitForSelector('#survey-invite:not([hidden])', { timeout: 30000 });
  results.checks.invite = await text(page, '#survey-invite-h');
  await visit(page, 'survey-invite');
  await page.click('.survey-invite a');
  await page.waitForURL(/\/survey$/);
  results.checks.form = { radios: await page.locator('input[type=radio]').count(),
    legends: await page.locator('fieldset legend').count() };
  await visit(page, 'survey-form');
  // Send with one question unanswered: the form comes back naming it, choices kept.
  for (let i = 1; i <= 8; i += 1) await page.check(`input[name="scores.U${i}"][value="${i % 2 ? 4 : 3}"]`);
  await page.fill('#f-comment', 'Pelayanan malam sangat membantu <b>terima kasih</b>');
  await page.click('form.survey-form button[type=submit]');
  await page.waitForSelector('#form-errors:not([hidden])');
  results.checks.missing = { summary: await text(page, '#form-errors-list'),
    links: await page.locator('#form-errors-list a').evaluateAll((a) => a.map((x) => x.getAttribute('href'))),
    kept: await page.locator('input[name="scores.U1"][value="4"]').isChecked() };
  await visit(page, 'survey-form-error');
  await page.check('input[name="scores.U9"][value="4"]');
  await page.click('form.survey-form button[type=submit]');
  await page.waitForSelector('h1');
  results.checks.thanks = await text(page, 'h1');
  await visit(page, 'survey-thanks');
  const again = await open(ctx, 'survey_again', `/t/${TOKEN}/survey`);
  results.checks.again = await text(again, '.lead');
  const ikm = await open(ctx, 'survey_ikm', `/ikm/${OFFICE}`);
  results.checks.ikm_value = await text(ikm, '.ikm-value');
  await visit(ikm, 'survey-ikm');
  await ctx.close();
}

async function dashboard(browser, device, name) {
  const ctx = await browser.newContext(device);
  const page = await open(ctx, name, '/staff/dashboard');
  await page.fill('#username', process.env.SENJA_SUPERVISOR);
  await page.fill('#password', process.env.SENJA_PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#choose:not([hidden])');
  await page.selectOption('#office', OFFICE);
  await page.click('#choose-form button[type=submit]');
  await page.waitForSelector('#panel-h');
  results.checks[name] = {
    charts: await page.locator('svg.chart[role=img]').count(),
    titles: await page.locator('svg.chart title[id$="-t"]').count(),
    served: await text(page, '#total-served'),
    ikm: await text(page, '#dash-ikm'),
    bookings: await page.locator('#bookings-table').count(),
    comment: await text(page, '.comments li'),
    comment_bold: await page.locator('.comments li b').count(),
  };
  await page.locator('details').evaluateAll((all) => all.forEach((d) => { d.open = true; }));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-csv="hours"]')]);
  results.checks[`${name}_csv`] = download.suggestedFilename();
  await visit(page, name);
  await ctx.close();
}

async function main(browser) {
  await citizen(browser);
  await dashboard(browser, PHONE, 'dashboard-phone');
  await dashboard(browser, DESKTOP, 'dashboard-desktop');
}

await run(main);
