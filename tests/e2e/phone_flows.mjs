// A citizen's phone and a clerk's console in a real browser, against a running
// stack. Run by tests/e2e/test_phone.py: `node tests/e2e/phone_flows.mjs` with
// SENJA_URL, SENJA_OFFICE, SENJA_CLERK, SENJA_PASSWORD, SCREENSHOT_DIR and
// CHROMIUM set. The phone takes a ticket without a kiosk key and lands on its
// own page, which it remembers; the network drops and comes back on that page;
// the clerk recalls, is warned, takes a no-show back, and the phone follows.
import { BASE, DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const CLERK = process.env.SENJA_CLERK;
const PASSWORD = process.env.SENJA_PASSWORD;
const SUPERVISOR = process.env.SENJA_SUPERVISOR;
const RAMP = 'mgu-ramp-main'; // tests/data/always-open.yaml
const COUNTER = '2'; // KTP only; the hall flow uses counter 1
const POLL_MS = 4000; // the ticket page's polling interval while waiting (static/js/ticket.js)
// The dropped network, 404 of a finished ticket's neighbours and 409s are part of the scenario.
const { results, open, visit, run } = harness({
  expectedErrors: /status of (404|409)|ERR_INTERNET_DISCONNECTED/, extra: {},
});

const text = async (page, sel) => ((await page.locator(sel).first().textContent()) || '').trim();
// Where focus is once the console has finished its action (a poll may redraw it a moment earlier).
async function focused(page) {
  await page.waitForFunction(() => document.querySelector('#console')?.getAttribute('aria-busy') !== 'true');
  return page.evaluate(() => document.activeElement?.dataset?.action || document.activeElement?.id || '');
}

async function phoneTakesATicket(browser) {
  const ctx = await browser.newContext(PHONE);
  const kiosk = await open(ctx, 'phone_kiosk', `/kiosk/${OFFICE}`);
  results.checks.phone_kiosk_flag = await kiosk.evaluate(() => document.body.dataset.kiosk);
  await kiosk.waitForFunction(() => document.querySelector('[data-facts]')?.textContent.length > 0);
  await kiosk.click('button[data-service="KTP"]');
  await kiosk.waitForURL(/\/t\/[A-Za-z0-9_-]{16,64}$/, { timeout: 10000 });
  const page = kiosk;
  const path = new URL(page.url()).pathname;
  results.checks.phone_ticket_path = path;
  results.checks.phone_number = await text(page, '#number');
  await page.waitForFunction(() => localStorage.getItem('senja.tickets')?.includes(document.body.dataset.token));
  await visit(page, 'phone-ticket-waiting');

  // The phone remembers it: after a reload, and on the home page.
  await page.reload();
  results.checks.reload_same_ticket = (await text(page, '#number')) === results.checks.phone_number;
  const home = await open(ctx, 'phone_home', '/');
  await home.waitForSelector('#my-tickets:not([hidden])', { timeout: 5000 });
  results.checks.home_my_ticket_links = await home.locator('#my-tickets-list a').evaluateAll((a) => a.map((x) => x.getAttribute('href')));
  results.checks.home_my_ticket_number = await text(home, '#my-tickets-list a');
  await visit(home, 'phone-home-my-tickets');
  await home.close();
  return { ctx, page, path, number: results.checks.phone_number };
}

async function phoneWithoutScripts(browser) {
  const ctx = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const kiosk = await open(ctx, 'phone_noscript', `/kiosk/${OFFICE}`);
  const [resp] = await Promise.all([
    kiosk.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/kiosk/${OFFICE}`)),
    kiosk.click('button[data-service="UMUM"]'),
  ]);
  results.checks.noscript_post_status = resp.status();
  results.checks.noscript_post_location = resp.headers().location || '';
  await kiosk.waitForURL(/\/t\//);
  results.checks.noscript_landed = { path: new URL(kiosk.url()).pathname, number: await text(kiosk, '#number') };
  await ctx.close();
}

async function clerkConsole(browser) {
  const ctx = await browser.newContext(DESKTOP);
  const page = await open(ctx, 'console', '/counter');
  await page.fill('#username', CLERK);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#chooser:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#counter option').length > 0);
  await page.selectOption('#office', OFFICE); // reloads the counters' list
  await page.waitForTimeout(500);
  await page.waitForFunction((id) => [...document.querySelectorAll('#counter option')].some((o) => o.value === id), COUNTER);
  await page.selectOption('#counter', COUNTER);
  await page.click('#chooser-form button[type=submit]');
  await page.waitForSelector('#console:not([hidden])');
  return { ctx, page };
}

const current = (page) => page.evaluate(() => document.body.dataset.current || '');

/** The supervisor marks the ramp (the API, as the staff tools do). */
async function setRamp(status, reason) {
  const login = await fetch(`${BASE}/api/v1/auth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: SUPERVISOR, password: PASSWORD }),
  });
  const answer = await login.json();
  results.checks.supervisor_login = login.status;
  if (login.status !== 200) results.checks.supervisor_login_problem = answer;
  const token = answer.access_token;
  const resp = await fetch(`${BASE}/api/v1/facilities/${RAMP}`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ status, reason }),
  });
  return resp.status;
}

async function boardNotices(browser) {
  const ctx = await browser.newContext(DESKTOP);
  const board = await open(ctx, 'display_notice', `/display/${OFFICE}`);
  await board.click('#sound');
  results.checks.ramp_broken_status = await setRamp('broken', 'ram retak');
  await board.waitForFunction(() => !!document.body.dataset.lastNotice, null, { timeout: 15000 });
  results.checks.notice_spoken = await board.evaluate(() => document.body.dataset.lastNotice);
  results.checks.notice_live = await text(board, '#live');
  results.checks.notice_shown_id = await text(board, '#notices li');
  await visit(board, 'display-notice');
  const english = await open(ctx, 'display_notice_en', `/display/${OFFICE}?lang=en`);
  results.checks.notice_shown_en = await text(english, '#notices li');
  await english.waitForTimeout(3000); // one poll redraws the list in the page's language
  results.checks.notice_shown_en_after_poll = await text(english, '#notices li');
  await visit(english, 'display-notice-en');
  results.checks.ramp_fixed_status = await setRamp('available', 'ram diperbaiki');
  await ctx.close();
}

async function main(browser) {
  await boardNotices(browser);
  const phone = await phoneTakesATicket(browser);
  await phoneWithoutScripts(browser);
  const { page: desk } = await clerkConsole(browser);

  // Open the counter by keyboard; the announcement is a sentence, focus goes to "call next".
  await desk.waitForFunction(() => document.body.dataset.counterOpen !== undefined);
  if ((await desk.evaluate(() => document.body.dataset.counterOpen)) === 'false') {
    await desk.locator('body').press('o');
    await desk.waitForFunction(() => document.body.dataset.counterOpen === 'true');
  }
  results.checks.open_announcement = await text(desk, '#status-live');
  results.checks.focus_after_open = await focused(desk);

  // Single-key shortcuts off: "n" does nothing, and the choice survives a reload.
  await desk.uncheck('#shortcuts-on');
  await desk.locator('body').press('n');
  await desk.waitForTimeout(600);
  results.checks.shortcut_off_did_nothing = (await current(desk)) === '';
  results.checks.kbd_hidden_when_off = await desk.evaluate(() => [...document.querySelectorAll('.action-grid kbd')].every((k) => k.hidden));
  await desk.reload();
  await desk.waitForSelector('#console:not([hidden])');
  results.checks.shortcut_choice_remembered = !(await desk.isChecked('#shortcuts-on'));
  await desk.check('#shortcuts-on');
  await desk.evaluate(() => document.activeElement.blur()); // keys typed in a form control stay there

  // The network drops on the phone; the clerk calls it meanwhile (other KTP tickets first, if any).
  const ticketPage = phone.page;
  await phone.ctx.setOffline(true);
  await ticketPage.waitForSelector('#offline:not([hidden])', { timeout: 10000 });
  results.checks.offline_banner = await text(ticketPage, '#offline');
  results.checks.offline_banner_on_top = await ticketPage.evaluate(() => {
    const banner = document.querySelector('#offline');
    return banner.getBoundingClientRect().top < document.querySelector('h1').getBoundingClientRect().top;
  });
  for (let i = 0; i < 10; i++) {
    await desk.locator('body').press('n');
    await desk.waitForFunction(() => /:called:/.test(document.body.dataset.current || ''));
    if ((await current(desk)).startsWith(`${phone.number}:`)) break;
    await desk.locator('body').press('d');
    await desk.waitForFunction(() => document.body.dataset.current === '');
  }
  results.checks.called_mine = (await current(desk)).startsWith(`${phone.number}:called`);
  results.checks.focus_after_call = await focused(desk);
  await ticketPage.waitForTimeout(9000); // long enough for the page's back-off to pass one interval
  await phone.ctx.setOffline(false);
  const back = Date.now();
  await ticketPage.waitForSelector('#status.status-called', { timeout: 30000 });
  results.timings.call_after_network_back_s = (Date.now() - back) / 1000;
  results.checks.poll_interval_s = POLL_MS / 1000;
  results.checks.offline_banner_gone = await ticketPage.locator('#offline').isHidden();
  await visit(ticketPage, 'phone-ticket-called');

  // Recalls until the next one would be a no-show: the clerk is warned first.
  await desk.locator('body').press('r');
  await desk.waitForFunction((n) => document.body.dataset.current === `${n}:called:1`, phone.number);
  results.checks.warning_after_one_recall = await desk.locator('#recall-warning').isVisible();
  await desk.locator('body').press('r');
  await desk.waitForFunction((n) => document.body.dataset.current === `${n}:called:2`, phone.number);
  results.checks.warning_before_last_recall = await desk.locator('#recall-warning').isVisible();
  results.checks.recall_described_by = await desk.getAttribute('button[data-action=recall]', 'aria-describedby');
  results.checks.desk_recall_meta = await text(desk, '#current-meta');
  await ticketPage.waitForFunction(() => /ke-3/.test(document.querySelector('#status-detail').textContent), null, { timeout: 15000 });
  results.checks.phone_recall_text = await text(ticketPage, '#status-detail');
  await visit(desk, 'console-recall-warning');

  // That recall turns into a no-show; the clerk takes it back.
  await desk.locator('body').press('r');
  await desk.waitForFunction(() => document.body.dataset.current === '');
  await desk.waitForSelector('#undo-box:not([hidden])');
  results.checks.no_show_announcement = await text(desk, '#status-live');
  results.checks.undo_text = await text(desk, '#undo-text');
  results.checks.focus_after_no_show = await focused(desk);
  await ticketPage.waitForSelector('#status.status-no_show', { timeout: 15000 });
  results.checks.phone_next_step_after_no_show = await ticketPage.locator('#next-step').isVisible();
  await visit(desk, 'console-undo');
  await desk.click('#undo-no-show');
  await desk.waitForFunction((n) => document.body.dataset.current?.startsWith(`${n}:called`), phone.number);
  results.checks.undo_announcement = await text(desk, '#status-live');
  results.checks.focus_after_undo = await focused(desk);
  results.checks.undo_box_hidden = await desk.locator('#undo-box').isHidden();
  // The phone keeps asking for a while after a no-show: it sees the call again by itself.
  await ticketPage.waitForSelector('#status.status-called', { timeout: 15000 });
  results.checks.phone_next_step_hidden_again = await ticketPage.locator('#next-step').isHidden();
  results.checks.phone_after_undo = await text(ticketPage, '#status-main');
  await desk.locator('body').press('s');
  await desk.waitForFunction(() => /:serving:/.test(document.body.dataset.current || ''));
  results.checks.focus_after_start = await focused(desk);
  await desk.locator('body').press('d');
  await desk.waitForFunction(() => document.body.dataset.current === '');
  results.checks.focus_after_complete = await focused(desk);
  results.checks.complete_announcement = await text(desk, '#status-live');
  await ticketPage.waitForSelector('#status.status-done', { timeout: 15000 });
  results.checks.phone_next_step_after_done = await ticketPage.locator('#next-step a').getAttribute('href');
  await visit(ticketPage, 'phone-ticket-done');
  await desk.locator('body').press('c');
  await desk.waitForFunction(() => document.body.dataset.counterOpen === 'false');
  results.checks.close_announcement = await text(desk, '#status-live');

  // The office page and /access on the phone.
  const officeRequests = [];
  phone.ctx.on('request', (r) => { if (!r.url().startsWith(BASE)) officeRequests.push(r.url()); });
  const office = await open(phone.ctx, 'office_page', `/offices/${OFFICE}`);
  results.checks.office_foreign_requests = officeRequests;
  results.checks.office_geo = await office.getAttribute('#map-geo', 'href');
  results.checks.office_osm = await office.getAttribute('#map-osm', 'href');
  await visit(office, 'office-page');
  const access = await open(phone.ctx, 'access_phone', '/access');
  const foreign = [];
  access.on('request', (r) => { if (!r.url().startsWith(BASE)) foreign.push(r.url()); });
  await access.check('input[name=needs][value=wheelchair]');
  await access.click('#search button[type=submit]');
  await access.waitForFunction(() => document.activeElement?.id === 'results-h', null, { timeout: 10000 });
  results.checks.access_results_in_view = await access.evaluate(() => {
    // The heading is on screen and the page moved down to it (the form fills a 360 px screen).
    const top = document.querySelector('#results-h').getBoundingClientRect().top;
    return top > -2 && top < window.innerHeight - 40 && window.scrollY > 0; // sub-pixel: -0.5 is at the top
  });
  results.checks.access_results_position = await access.evaluate(() => ({
    top: document.querySelector('#results-h').getBoundingClientRect().top,
    viewport: window.innerHeight, scrolled: Math.round(window.scrollY) }));
  results.checks.foreign_requests = foreign;
  await visit(access, 'access-phone-results');
}

await run(main);
