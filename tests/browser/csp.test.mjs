// The web app works under the server's Content-Security-Policy (no inline script or style,
// nothing from elsewhere): a whole visit, with a photo, submitted and synced, then the
// supervisor's review of it, without one violation report or CSP error in the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PNG, fillVisit, phone, startServer, startVisit } from './harness.mjs';

let server, browser, context;
const violations = [];

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
  // Before any script of the page: every violation the browser reports, on any page.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
});
after(async () => {
  await browser?.close();
  server?.close();
});

function watch(page) {
  page.on('console', (m) => {
    if (m.type() === 'error' && /CSP violation|Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
}

test('the app serves and runs under its Content-Security-Policy, with no violation', async () => {
  const page = await context.newPage();
  watch(page);
  const response = await page.goto(server.url);
  const csp = response.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers()['x-content-type-options'], 'nosniff');
  // Styled at once by the stylesheet file: the header bar of the loading screen is coloured.
  await page.waitForSelector('[data-testid="home"]');
  const bar = await page.$eval('header.bar', (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(bar, 'rgba(0, 0, 0, 0)', 'the stylesheet applies');
  await page.evaluate(() => navigator.serviceWorker.ready);

  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');

  await startVisit(page);
  const photo = await fillVisit(page, {
    photo: { name: 'stand.png', mimeType: 'image/png', buffer: PNG },
    // The progress bar's width is set as a style property, which the policy allows.
    each: async () => {
      const width = await page.$eval('[data-testid="progress"] .fill', (e) => e.getBoundingClientRect().width);
      assert.ok(width > 0, 'the progress bar fills as items are answered');
    },
    // Shown from the device's store as a data: image.
    shown: (item) => page.waitForFunction((i) => document.querySelector(`article[data-item="${i}"] .photos img`)?.naturalWidth > 0, item),
  });
  // Each new section on the way scrolled to the top (web-sys; `document::eval` would be
  // refused).
  await page.click('[data-testid="to-summary"]');
  // «Печать отчёта» opens the folded sections and prints, without eval (the dialog itself is
  // replaced: headless Chromium would wait on it).
  await page.evaluate(() => { window.print = () => { window.__printed = true; }; });
  await page.click('[data-testid="print"]');
  await page.waitForFunction(() => window.__printed === true);
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-sync="synced"]', { timeout: 60000 });
  assert.ok(photo, 'a photo was attached');

  // A reload: the page, its start script and its stylesheet again, from the service worker.
  await page.reload();
  await page.waitForSelector('[data-testid="submitted"]');
  await page.close();
  assert.deepEqual(violations, []);
});
