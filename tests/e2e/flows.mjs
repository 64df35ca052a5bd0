// The counter hall in a real browser, against a running stack.
// Run by tests/e2e/test_counter_hall.py: `node tests/e2e/flows.mjs` with
// SENJA_URL, SENJA_OFFICE, SENJA_CLERK, SENJA_PASSWORD and SCREENSHOT_DIR set.
// Drives Debian's chromium through playwright-core (no downloaded browser),
// runs axe-core on every page, takes screenshots at phone and desktop width,
// and prints one JSON object of results on the last line; pytest asserts on it.
import { callPhrase, sayCounter, spellTicket, terbilang } from '../../gateway/web/static/js/speech.js';
import { BASE, DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const CLERK = process.env.SENJA_CLERK;
const KIOSK_KEY = process.env.SENJA_KIOSK_KEY; // the office's kiosk is provisioned with it once
const PASSWORD = process.env.SENJA_PASSWORD;
// 404/409 answers and the simulated offline drop are part of the scenario.
const { results, open, visit, run } = harness({
  expectedErrors: /status of (404|409)|ERR_INTERNET_DISCONNECTED/, extra: { speech: {} },
});

function speechChecks() {
  results.speech = {
    phrase: callPhrase('A-001', 'Loket 2'),
    terbilang: [0, 7, 10, 11, 12, 20, 21, 100, 115, 250].map(terbilang),
    spell: spellTicket('B-120'),
    counters: ['Loket 12', '3', 'Loket Prioritas', 'Meja A'].map(sayCounter),
  };
}

async function main(browser) {
  speechChecks();
  const phone = PHONE;
  const desktop = DESKTOP;
  {
    // Offices open now.
    const hall = await browser.newContext(desktop);
    const home = await open(hall, 'home', '/');
    results.checks.home_lists_office = await home.locator(`li[data-office="${OFFICE}"] a[href="/kiosk/${OFFICE}"]`).count() === 1;
    await visit(home, 'home');

    // A citizen takes a ticket at the kiosk.
    const kioskCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    const kiosk = await open(kioskCtx, 'kiosk', `/kiosk/${OFFICE}?kiosk_key=${encodeURIComponent(KIOSK_KEY)}`);
    results.checks.kiosk_key_left_the_address = new URL(kiosk.url()).search === '';
    await kiosk.waitForFunction(() => document.querySelector('[data-facts]')?.textContent.length > 0);
    await visit(kiosk, 'kiosk');
    await kiosk.click('button[data-service="KTP"]');
    await kiosk.waitForSelector('#ticket:not([hidden])');
    const number = (await kiosk.locator('#ticket [data-slot=number]').textContent()).trim();
    const pageUrl = await kiosk.locator('#ticket [data-slot=link]').getAttribute('href');
    results.checks.kiosk_number = number;
    results.checks.kiosk_page_url = pageUrl;
    results.checks.kiosk_qr_ok = await kiosk.evaluate(() => {
      const img = document.querySelector('#ticket img.qr');
      return img.complete && img.naturalWidth > 0;
    });
    results.checks.kiosk_focus_on_ticket = await kiosk.evaluate(() => document.activeElement?.id === 'ticket');
    await visit(kiosk, 'kiosk-ticket');

    results.checks.kiosk_printed = {
      office: (await kiosk.locator('#ticket [data-slot=office]').textContent()).trim(),
      issued: (await kiosk.locator('#ticket [data-slot=issued]').textContent()).trim(),
    };

    // Without scripts the kiosk still issues a ticket (a plain form post); it queues after the first.
    const noscript = await browser.newContext({ ...desktop, javaScriptEnabled: false });
    const plainKiosk = await open(noscript, 'kiosk_noscript', `/kiosk/${OFFICE}?kiosk_key=${encodeURIComponent(KIOSK_KEY)}`);
    await plainKiosk.click('button[data-service="UMUM"]');
    results.checks.noscript_ticket = (await plainKiosk.locator('#ticket:not([hidden]) .ticket-number').textContent()).trim();
    results.checks.noscript_qr = await plainKiosk.locator('#ticket img.qr').getAttribute('src');
    await noscript.close();

    // The citizen follows it on a phone.
    const citizenCtx = await browser.newContext(phone);
    const citizen = await open(citizenCtx, 'ticket', pageUrl);
    results.checks.ticket_server_rendered = {
      number: (await citizen.locator('#number').textContent()).trim(),
      status: await citizen.evaluate(() => document.body.dataset.status),
    };
    await visit(citizen, 'ticket-waiting');

    // The hall's display board, sound switched on with one press.
    const display = await open(hall, 'display', `/display/${OFFICE}`);
    await display.click('#sound');
    results.checks.display_sound_pressed = await display.getAttribute('#sound', 'aria-pressed');
    await visit(display, 'display-empty');

    // A clerk signs in, picks counter 1, opens it and calls the next ticket, by keyboard.
    const clerkCtx = await browser.newContext(desktop);
    const counter = await open(clerkCtx, 'counter', '/counter');
    await visit(counter, 'counter-login');
    await counter.fill('#username', CLERK);
    await counter.fill('#password', PASSWORD);
    await counter.press('#password', 'Enter');
    await counter.waitForSelector('#chooser:not([hidden])');
    await counter.waitForFunction(() => document.querySelectorAll('#counter option').length > 0);
    await counter.selectOption('#office', OFFICE);
    await counter.selectOption('#counter', '1');
    await counter.click('#chooser-form button[type=submit]');
    await counter.waitForSelector('#console:not([hidden])');
    await counter.waitForFunction(() => document.body.dataset.counterOpen === 'false');
    await counter.locator('body').press('o');
    await counter.waitForFunction(() => document.body.dataset.counterOpen === 'true');
    await counter.waitForFunction((n) => [...document.querySelectorAll('#waiting-rows th')].some((th) => th.textContent === n), number);
    results.checks.counter_waiting_shows_ticket = true;
    await counter.keyboard.press('n');
    const calledAt = Date.now();
    await counter.waitForFunction((n) => document.body.dataset.current === `${n}:called:0`, number);
    results.checks.counter_current = (await counter.locator('#current-number').textContent()).trim();

    await citizen.waitForSelector('#status.status-called', { timeout: 15000 });
    results.timings.citizen_sees_call_s = (Date.now() - calledAt) / 1000;
    results.checks.citizen_called_text = (await citizen.locator('#status-main').textContent()).trim();
    results.checks.citizen_title = await citizen.title();
    await visit(citizen, 'ticket-called');

    await display.waitForSelector(`#calls li.latest[data-number="${number}"]`, { timeout: 15000 });
    results.timings.display_shows_call_s = (Date.now() - calledAt) / 1000;
    await display.waitForFunction(() => !!document.body.dataset.lastAnnouncement, null, { timeout: 5000 });
    results.checks.display_announcement = await display.evaluate(() => document.body.dataset.lastAnnouncement);
    results.checks.display_counter = (await display.locator('#calls li.latest .call-counter').textContent()).trim();
    await visit(display, 'display');
    await visit(counter, 'counter-console');

    // Recall: the citizen's page says so.
    await counter.keyboard.press('r');
    await counter.waitForFunction((n) => document.body.dataset.current === `${n}:called:1`, number);
    const recalledAt = Date.now();
    await citizen.waitForFunction(() => /ke-2/.test(document.querySelector('#status-detail').textContent), null, { timeout: 15000 });
    results.timings.citizen_sees_recall_s = (Date.now() - recalledAt) / 1000;
    results.checks.citizen_recall_text = (await citizen.locator('#status-detail').textContent()).trim();
    await display.waitForFunction((n) => document.querySelector(`#calls li[data-number="${n}"]`)?.dataset.recalls === '1', number, { timeout: 15000 });
    results.checks.display_recall_extra = (await display.locator('#calls li.latest .call-extra').textContent()).trim();

    // The console survives a reload: same counter, same ticket, no new sign-in.
    await counter.reload();
    await counter.waitForSelector('#console:not([hidden])', { timeout: 10000 });
    await counter.waitForFunction((n) => document.body.dataset.current === `${n}:called:1`, number, { timeout: 10000 });
    results.checks.counter_after_reload = (await counter.locator('#current-number').textContent()).trim();

    // No-show during a network drop: the console retries once the network is back.
    await clerkCtx.setOffline(true);
    await counter.keyboard.press('x');
    await counter.waitForSelector('#offline:not([hidden])', { timeout: 10000 });
    results.checks.counter_offline_banner = (await counter.locator('#offline').textContent()).trim();
    await counter.waitForTimeout(1500);
    await clerkCtx.setOffline(false);
    await counter.waitForFunction(() => document.body.dataset.current === '', null, { timeout: 20000 });
    results.checks.counter_live_after_retry = (await counter.locator('#status-live').textContent()).trim();
    const noShowAt = Date.now();
    await citizen.waitForSelector('#status.status-no_show', { timeout: 15000 });
    results.timings.citizen_sees_no_show_s = (Date.now() - noShowAt) / 1000;
    results.checks.citizen_no_show_text = (await citizen.locator('#status-main').textContent()).trim();
    await visit(citizen, 'ticket-no-show');

    // Next ticket: call, start, complete (the one taken without scripts).
    await counter.keyboard.press('n');
    await counter.waitForFunction(() => /:called:0$/.test(document.body.dataset.current || ''));
    results.checks.second_call = await counter.evaluate(() => document.body.dataset.current);
    await counter.keyboard.press('s');
    await counter.waitForFunction(() => /:serving:/.test(document.body.dataset.current || ''));
    await counter.keyboard.press('d');
    await counter.waitForFunction(() => document.body.dataset.current === '');
    await counter.keyboard.press('n'); // nobody waits: 204, a message, no error
    await counter.waitForFunction(() => document.querySelector('#status-live').textContent.length > 0 && document.body.dataset.current === '');
    results.checks.counter_error_text = (await counter.locator('#error').textContent()).trim();
    await visit(counter, 'counter-idle');

    // An unknown ticket gets a clear page; English on request.
    const lost = await open(citizenCtx, 'ticket_unknown', '/t/AAAAAAAAAAAAAAAAAAAAAA');
    results.checks.unknown_heading = (await lost.locator('h1').textContent()).trim();
    await visit(lost, 'ticket-unknown');
    const english = await open(citizenCtx, 'ticket_en', `${pageUrl}?lang=en`);
    results.checks.english = {
      lang: await english.getAttribute('html', 'lang'),
      status: (await english.locator('#status-main').textContent()).trim(),
    };
    await visit(english, 'ticket-en');
    // The language choice is remembered for the next page.
    const homeAgain = await citizenCtx.newPage();
    await homeAgain.goto(`${BASE}/`);
    results.checks.english_remembered = await homeAgain.getAttribute('html', 'lang');

    // Static files: long-lived cache, compressed.
    const css = await home.evaluate(async () => {
      const href = document.querySelector('link[rel=stylesheet]').href;
      const r = await fetch(href);
      return { cache: r.headers.get('cache-control'), type: r.headers.get('content-type') };
    });
    results.checks.static_headers = css;
  }
}

await run(main, ['--autoplay-policy=user-gesture-required']);
