// The web app works under the server's Content-Security-Policy (no inline script or style,
// nothing from elsewhere): a whole visit, with a photo, submitted and synced, then the
// supervisor's review of it, without one violation report or CSP error in the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { phone, startServer, answerAllItems } from './harness.mjs';

// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

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

  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', 'Клин');
  await page.click('[data-office]');
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
  let photo = false;
  for (let n = 0; ; n++) {
    await answerAllItems(page, n);
    // The progress bar's width is set as a style property, which the policy allows.
    const width = await page.$eval('[data-testid="progress"] .fill', (e) => e.getBoundingClientRect().width);
    assert.ok(width > 0, 'the progress bar fills as items are answered');
    const card = photo ? null : await page.$('article[data-item]:has(.photo-add)');
    const item = card && (await card.getAttribute('data-item'));
    if (item) {
      await page.setInputFiles(`article[data-item="${item}"] input[type="file"]`, { name: 'stand.png', mimeType: 'image/png', buffer: PNG });
      // Shown from the device's store as a data: image.
      await page.waitForFunction((i) => document.querySelector(`article[data-item="${i}"] .photos img`)?.naturalWidth > 0, item);
      photo = true;
    }
    if (!(await page.$('[data-testid="next"]'))) break;
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    await page.click('[data-testid="next"]');
    // A new section scrolls to the top (web-sys; `document::eval` would be refused).
    await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
  }
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
