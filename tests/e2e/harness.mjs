// What every browser flow shares: Debian's chromium through playwright-core,
// console and CSP watching, axe-core on every page state, screenshots at phone
// and desktop width with a 320 px reflow check, and one JSON line of results
// printed at the end for pytest to assert on.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
export const BASE = process.env.SENJA_URL;
export const OFFICE = process.env.SENJA_OFFICE || '33.71.02';
export const SHOTS = process.env.SCREENSHOT_DIR || 'test-artifacts/screenshots';
export const SIZES = [[360, 740], [1280, 800]];
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// expectedErrors: console errors the scenario causes on purpose (e.g. a 404 page).
export function harness({ expectedErrors, acceptDialogs = false, extra = {} }) {
  const results = {
    ...extra, axe: {}, axe_passes: {}, screenshots: [], reflow: {}, checks: {}, timings: {},
    console_errors: [], csp_violations: [],
  };

  function watch(page, name) {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content.Security.Policy/i.test(text)) results.csp_violations.push({ page: name, text });
      else if (msg.type() === 'error' && !expectedErrors.test(text)) results.console_errors.push({ page: name, text });
    });
    page.on('pageerror', (err) => results.console_errors.push({ page: name, text: String(err) }));
    if (acceptDialogs) page.on('dialog', (dialog) => dialog.accept());
    return page;
  }

  async function open(context, name, url) {
    const page = watch(await context.newPage(), name);
    const resp = await page.goto(`${BASE}${url}`, { waitUntil: 'load' });
    results.checks[`${name}_status`] = resp.status();
    results.checks[`${name}_csp`] = /script-src 'self'/.test(resp.headers()['content-security-policy'] || '');
    return page;
  }

  async function axe(page, name) {
    await page.evaluate(AXE); // through CDP: the page's CSP stays on and is tested too
    const [passes, found] = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return [r.passes.length, r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))];
    }, AXE_TAGS);
    results.axe_passes[name] = passes;
    results.axe[name] = {
      serious: found.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      other: found.filter((v) => v.impact !== 'serious' && v.impact !== 'critical').map((v) => `${v.id} (${v.impact})`),
    };
  }

  async function shots(page, name) {
    const before = page.viewportSize();
    // Reflow at 320 CSS px (WCAG 1.4.10; the same as 1280 px at 400% zoom): no sideways scrolling.
    await page.setViewportSize({ width: 320, height: 640 });
    await page.waitForTimeout(100);
    results.reflow[name] = await page.evaluate(() => document.documentElement.scrollWidth);
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(150);
      const file = path.join(SHOTS, `${name}-${width}x${height}.png`);
      await page.screenshot({ path: file, fullPage: true });
      results.screenshots.push(file);
    }
    await page.setViewportSize(before);
  }

  async function visit(page, name) {
    await axe(page, name);
    await shots(page, name);
  }

  // Runs main(browser) and prints the results, whatever happens.
  async function run(main, launchArgs = []) {
    const started = Date.now();
    fs.mkdirSync(SHOTS, { recursive: true });
    try {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run', ...launchArgs],
      });
      try {
        await main(browser);
      } finally {
        await browser.close();
      }
      results.ok = true;
    } catch (err) {
      results.ok = false;
      results.error = String(err && err.stack || err);
    }
    results.timings.total_s = (Date.now() - started) / 1000;
    console.log(JSON.stringify(results));
  }

  return { results, watch, open, axe, shots, visit, run };
}
