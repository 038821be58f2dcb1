// The first load on a phone does not move what is already on the screen: the loading screen
// has the home screen's frame (header bar, main area), so replacing it shifts nothing.
// Lighthouse counts such shifts as CLS and a page above 0.1 as poor; tests/browser/bench/
// lighthouse.mjs measures the whole score, this only the shift, and fast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, phone } from './harness.mjs';

let server, browser, context;

before(async () => {
  server = await serveDist();
  ({ browser, context } = await phone());
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the first load shifts the layout by less than 0.1 (CLS) at the phone viewport', async () => {
  const page = await context.newPage();
  // Installed before the page's own scripts, so the observer sees every shift from the start.
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.__shifts.push({
          value: e.value,
          sources: (e.sources ?? []).map((s) => s.node?.nodeName + (s.node?.className ? `.${s.node.className}` : '')),
        });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  // A phone's CPU (Lighthouse's mobile preset takes 4x): the loading screen is surely drawn
  // before the app replaces it, which is the moment that could shift the layout.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  // Let the home screen settle (sync bar, fonts) before reading the shifts.
  await page.waitForTimeout(500);
  const shifts = await page.evaluate(() => window.__shifts);
  const cls = shifts.reduce((sum, s) => sum + s.value, 0);
  assert.ok(cls < 0.1, `CLS ${cls.toFixed(3)} at 390x844: ${JSON.stringify(shifts)}`);
  await page.close();
});
