// The inbox end to end: a supervisor returns a visit; the auditor's home shows «1» on
// «Уведомления»; offline, the auditor opens the inbox at 360 px, reads the notification,
// which opens the returned visit, and the badge clears; back online the read mark reaches
// the server, so a fresh sign-in elsewhere shows it read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer, signIn, startVisit, fillVisit, backToHome } from './harness.mjs';

let server, browser, context;

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** auditor1's notifications of returned visits as the server would deliver them to a new
 *  device (the demo's own assignments are announced too, already read). */
async function delivered() {
  const token = await server.login('auditor1');
  const all = [];
  let cursor = 0;
  for (;;) {
    const pull = (await server.api('GET', `/pull?cursor=${cursor}`, token)).body;
    all.push(...(pull.notifications ?? []));
    cursor = pull.next_cursor;
    if (!pull.more) return all.filter((n) => n.notification.kind === 'visit_returned');
  }
}

test('a returned visit: badge on home, read offline, opens the visit, the mark reaches the server', async () => {
  const page = await context.newPage();
  await signIn(page, server.url, 'auditor1');
  assert.equal(await page.$('[data-testid="inbox-badge"]'), null, 'nothing unread at the start');

  await startVisit(page);
  await fillVisit(page);
  await page.click('[data-testid="to-summary"]');
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-sync="synced"]', { timeout: 60000 });
  const id = await page.getAttribute('[data-testid="submitted"] [data-visit]', 'data-visit');

  const sup = await server.login('supervisor');
  const returned = await server.api('POST', `/visits/${id}/review`, sup,
    { decision: 'return', revision: 1, comment: 'Уточните время ожидания' });
  assert.equal(returned.status, 200, JSON.stringify(returned.body));

  await page.click('[data-testid="sync-now"]');
  const badge = await page.waitForSelector('[data-testid="inbox-badge"]', { timeout: 30000 });
  assert.equal((await badge.textContent()).trim(), '1');
  await page.screenshot({ path: join(SHOTS, 'inbox-badge.png') });

  // No network from here: the inbox is on the phone.
  await context.setOffline(true);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.click('[data-testid="to-inbox"]');
  await page.waitForSelector('[data-testid="inbox"]');
  const row = page.locator('[data-kind="visit_returned"]');
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute('data-read'), 'false');
  assert.match(await row.textContent(), /Проверка возвращена на доработку: \S/);
  const weight = await row.locator('.title').evaluate((e) => getComputedStyle(e).fontWeight);
  assert.equal(weight, '700', 'unread is bold');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the inbox fits a 360 px phone');
  await page.screenshot({ path: join(SHOTS, 'inbox.png') });

  await row.click();
  await page.waitForSelector('[data-testid="summary"]');
  assert.match(await page.textContent('[data-testid="review-notes"]'), /Уточните время ожидания/,
    'the notification opens the returned visit');
  await backToHome(page);
  await page.waitForSelector('[data-testid="to-inbox"]');
  assert.equal(await page.$('[data-testid="inbox-badge"]'), null, 'the badge clears');
  await page.click('[data-testid="to-inbox"]');
  assert.equal(await page.getAttribute('[data-kind="visit_returned"]', 'data-read'), 'true');
  const weightRead = await page.locator('[data-kind="visit_returned"] .title').evaluate((e) => getComputedStyle(e).fontWeight);
  assert.equal(weightRead, '400', 'read is not bold');
  await page.click('header .ghost');
  await page.waitForSelector('[data-testid="home"]');

  // The server has not heard of it yet.
  const before = await delivered();
  assert.equal(before.length, 1);
  assert.equal(before[0].read_at, null);

  // Back online: the app syncs by itself and the read mark goes with it.
  await context.setOffline(false);
  for (let i = 0; i < 300 && (await delivered())[0].read_at === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.notEqual((await delivered())[0].read_at, null, 'the read mark reached the server');

  // A fresh sign-in on another device shows it read, with no badge.
  const other = await browser.newContext({
    viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ru-RU',
  });
  const second = await other.newPage();
  await signIn(second, server.url, 'auditor1');
  await second.click('[data-testid="to-inbox"]');
  await second.waitForSelector('[data-kind="visit_returned"]', { timeout: 30000 });
  assert.equal(await second.getAttribute('[data-kind="visit_returned"]', 'data-read'), 'true');
  await second.click('header .ghost');
  await second.waitForSelector('[data-testid="to-inbox"]');
  assert.equal(await second.$('[data-testid="inbox-badge"]'), null, 'nothing unread on the other device');
  await other.close();
});
