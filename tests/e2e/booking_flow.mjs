// Book ahead on a phone, check in at the kiosk, be called by the clerk: in a real
// browser against a running stack (run by tests/e2e/test_booking_flow.py with
// SENJA_URL, SENJA_OFFICE, SENJA_CLERK, SENJA_PASSWORD, SENJA_KIOSK_KEY set).
// Leaves the hall as it found it (the booked ticket completed, counter 2 closed).
import { DESKTOP, OFFICE, PHONE, harness } from './harness.mjs';

const CLERK = process.env.SENJA_CLERK;
const PASSWORD = process.env.SENJA_PASSWORD;
const KIOSK_KEY = process.env.SENJA_KIOSK_KEY;
const { results, open, visit, run } = harness({ expectedErrors: /status of (404|409)/ });

function localToday() {
  // The office's day (WIB): the slots page lists today first.
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

function localTomorrow() {
  return new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10);
}

async function main(browser) {
  // 1. A citizen books on a phone (360 px): service and day, then the first free time.
  const phoneCtx = await browser.newContext(PHONE);
  const book = await open(phoneCtx, 'book', `/book/${OFFICE}`);
  for (const day of [localToday(), localTomorrow()]) {
    // The next slot (within 30 minutes: its check-in window is open) is today's, or
    // tomorrow's first one shortly before midnight.
    await book.selectOption('#f-service', 'KTP');
    await book.selectOption('#f-date', day);
    await book.click('form[method=get] button[type=submit]');
    await book.waitForSelector('input[name=slot_start]');
    if (await book.locator('input[name=slot_start]:not([disabled])').count() > 0) break;
  }
  await visit(book, 'book-slots');
  const slot = book.locator('input[name=slot_start]:not([disabled])').first();
  results.checks.slot_start = await slot.getAttribute('value');
  await slot.check();
  await book.fill('#f-phone', '0812 3456 7890');
  await book.click('form[method=post] button[type=submit]');
  await book.waitForURL(/\/b\/[A-Za-z0-9_-]{16,64}$/);
  results.checks.booking_code = (await book.locator('.booking-code').textContent()).trim();
  results.checks.booking_phone_masked = (await book.content()).includes('+62812*****890');
  results.checks.booking_phone_clear = (await book.content()).includes('081234567890');
  results.checks.booking_ics = await book.locator('a[href$="/booking.ics"]').count() === 1;
  results.checks.booking_qr = await book.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0);
  await visit(book, 'booking');

  // 2. At the office the kiosk (set up once with its key) takes the short code.
  const kioskCtx = await browser.newContext({ ...DESKTOP, hasTouch: true });
  const kiosk = await open(kioskCtx, 'kiosk-booking', `/kiosk/${OFFICE}/booking?kiosk_key=${encodeURIComponent(KIOSK_KEY)}`);
  await visit(kiosk, 'kiosk-booking');
  await kiosk.fill('#f-code', results.checks.booking_code.toLowerCase());
  await kiosk.click('form button[type=submit]');
  await kiosk.waitForSelector('.ticket-number');
  const number = (await kiosk.locator('.ticket-number').textContent()).trim();
  results.checks.kiosk_number = number;
  const ticketUrl = await kiosk.locator('a.url').getAttribute('href');
  results.checks.ticket_url = ticketUrl;
  await visit(kiosk, 'kiosk-booking-done');

  // 3. The phone follows the ticket.
  const citizen = await open(phoneCtx, 'ticket-booked', ticketUrl);
  await visit(citizen, 'ticket-booked');

  // 4. The clerk sees the booked arrival and calls it.
  const clerkCtx = await browser.newContext(DESKTOP);
  const counter = await open(clerkCtx, 'counter-booking', '/counter');
  await counter.waitForLoadState('networkidle');  // the console's script signs in (a plain post would not)
  await counter.fill('#username', CLERK);
  await counter.fill('#password', PASSWORD);
  await counter.press('#password', 'Enter');
  await counter.waitForSelector('#chooser:not([hidden])');
  await counter.waitForFunction(() => document.querySelectorAll('#counter option').length > 0);
  // The clerk's one office is chosen already and its counters loaded; choosing it
  // again would reload them (and reset the counter) after our choice.
  results.checks.office_chosen = await counter.inputValue('#office');
  await counter.selectOption('#counter', '2');
  await counter.waitForTimeout(500);
  results.checks.counter_chosen = await counter.inputValue('#counter');
  await counter.click('#chooser-form button[type=submit]');
  await counter.waitForSelector('#console:not([hidden])');
  await counter.waitForFunction((code) => [...document.querySelectorAll('#arrivals-rows td')].some((td) => td.textContent === code),
    results.checks.booking_code, { timeout: 20000 });
  results.checks.arrivals_row = (await counter.locator('#arrivals-rows tr', { hasText: results.checks.booking_code }).textContent()).trim();
  await counter.waitForFunction(() => document.body.dataset.counterOpen === 'false');
  await counter.locator('body').press('o');
  await counter.waitForFunction(() => document.body.dataset.counterOpen === 'true');
  await counter.keyboard.press('n');
  await counter.waitForFunction((n) => document.body.dataset.current === `${n}:called:0`, number);
  results.checks.counter_current = (await counter.locator('#current-number').textContent()).trim();
  await citizen.waitForSelector('#status.status-called', { timeout: 15000 });
  results.checks.citizen_called_text = (await citizen.locator('#status-main').textContent()).trim();
  await visit(citizen, 'ticket-booked-called');
  await visit(counter, 'counter-arrivals');
  // Leave the hall as found: the ticket done, the counter closed.
  await counter.keyboard.press('d');
  await counter.waitForFunction(() => document.body.dataset.current === '');
  await counter.keyboard.press('c');
  await counter.waitForFunction(() => document.body.dataset.counterOpen === 'false');
}

await run(main);
