// The manager of Серпухов reads the approved visits of their branch on a phone, opens one,
// sees its findings item by item without who made the visit, and appeals a finding from
// where it is shown, with a reason and a photo; the item then shows the pending appeal,
// and the supervisors see the appeal with its photo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PNG, SHOTS, expectAccessible, phone, startServer, signIn } from './harness.mjs';

let server, manager, visitId, itemId, auditor, appealedBefore;

before(async () => {
  server = await startServer();
  // The demo's visit to Серпухов with appeals, and a failed item of it not appealed yet.
  const m = await server.login('manager');
  const appeals = (await server.api('GET', '/appeals', m)).body;
  visitId = appeals[0].visit_id;
  appealedBefore = appeals.filter((a) => a.visit_id === visitId).map((a) => a.item_id);
  const s = await server.login('supervisor');
  const detail = (await server.api('GET', `/visits/${visitId}`, s)).body;
  auditor = detail.visit.auditor;
  itemId = Object.entries(detail.visit.answers)
    .find(([id, a]) => a.value && a.value.type === 'no' && !appealedBefore.includes(id))?.[0];
  assert.ok(itemId, 'the demo visit has a failed item not appealed');
  manager = await phone();
});
after(async () => {
  await manager?.browser.close();
  server?.close();
});

test('a manager reads a visit of the branch and appeals a finding with a photo', async () => {
  const page = await manager.context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  const answers = [];
  page.on('response', async (res) => {
    if (res.url().includes('/api/')) answers.push(await res.text().catch(() => ''));
  });
  await signIn(page, server.url, 'manager');
  await page.click('[data-testid="to-branch-visits"]');
  await page.waitForSelector(`[data-branch-visit="${visitId}"]`);
  await expectAccessible(page, 'Проверки филиала');
  await page.click(`[data-branch-visit="${visitId}"]`);
  await page.waitForSelector(`[data-testid="branch-visit"] [data-item="${itemId}"][data-failed="true"]`);
  await expectAccessible(page, 'проверка филиала');

  // Items appealed before show their appeal, not a second «Обжаловать».
  for (const id of appealedBefore) {
    const row = `[data-item="${id}"]`;
    await page.waitForSelector(`${row} [data-testid="item-appeal"]`);
    assert.equal(await page.$(`${row} [data-testid="appeal-item"]`), null, `${id} cannot be appealed twice`);
  }
  // Passed items have nothing to appeal.
  const passed = await page.$$('[data-item][data-failed="false"] [data-testid="appeal-item"]');
  assert.equal(passed.length, 0, 'no «Обжаловать» on passed items');

  const row = `[data-item="${itemId}"]`;
  await page.click(`${row} [data-testid="appeal-item"]`);
  await page.click(`${row} [data-testid="appeal-send"]`);
  assert.match(await page.textContent(`${row} [data-testid="appeal-error"]`), /причину/);
  await page.fill(`${row} [data-testid="appeal-reason"]`, 'Консультант был на месте: запись камеры прилагаем');
  await page.setInputFiles(`${row} [data-testid="appeal-photo"]`, { name: 'camera.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForFunction((r) => /1 \/ 5/.test(document.querySelector(r)?.textContent ?? ''), row);
  await page.screenshot({ path: join(SHOTS, 'branch-visit-appeal.png') });
  await page.click(`${row} [data-testid="appeal-send"]`);
  await page.waitForSelector(`${row} [data-testid="item-appeal"]`);
  assert.match(await page.textContent(`${row} [data-testid="item-appeal"]`), /на рассмотрении/);

  // On the server: one pending appeal of the item, its photo there for the supervisors.
  const sup = await server.login('supervisor');
  const filed = (await server.api('GET', '/appeals', sup)).body.filter((a) => a.visit_id === visitId && a.item_id === itemId);
  assert.equal(filed.length, 1, 'one appeal of the item');
  assert.equal(filed[0].state, 'pending');
  assert.match(filed[0].reason, /Консультант был на месте/);
  assert.equal(filed[0].photos.length, 1, 'the appeal names its photo');
  const photo = await server.api('GET', `/appeals/${filed[0].id}/photos/${filed[0].photos[0]}`, sup);
  assert.equal(photo.status, 200, 'the photo reached the server');

  // Nowhere the auditor's login: not on the screens, not in any answer received.
  assert.doesNotMatch(await page.textContent('body'), new RegExp(auditor), 'the visit screen does not name the auditor');
  assert.ok(answers.some((t) => t.includes(visitId)), 'the page received the visit');
  for (const text of answers) assert.doesNotMatch(text, new RegExp(`"${auditor}"`), 'no answer names the auditor');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the visit fits 360 px (${width})`);

  // In English: the page says so, and Russian (the auditor's comments) only marked as such.
  await page.click('[data-testid="branch-visit"] header button');
  await page.waitForSelector('[data-testid="branch-visits-screen"]');
  await page.click('[data-testid="branch-visits-screen"] header button');
  await page.click('[data-testid="lang-switch"]');
  await page.click('[data-testid="to-branch-visits"]');
  await page.click(`[data-branch-visit="${visitId}"]`);
  await page.waitForSelector(`${row} [data-testid="item-appeal"]`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.match(await page.title(), /Zakupka/);
  assert.match(await page.textContent(`${row} [data-testid="item-appeal"]`), /pending/);
  const unmarked = await page.evaluate(() => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!/[\u0400-\u04FF]/.test(node.data) || !element?.checkVisibility()) continue;
      if (element.closest('[lang]')?.lang === 'ru') continue;
      found.push(node.data.trim());
    }
    return found;
  });
  assert.deepEqual(unmarked, [], 'no Russian shown unmarked in English');
  await expectAccessible(page, 'branch visit, English');
});
