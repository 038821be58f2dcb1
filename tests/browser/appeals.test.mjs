// Appeals end to end on phones: the manager of Серпухов appeals a failed item of an
// approved visit of their branch through the form; a supervisor other than the one who
// approved it (the demo's admin) upholds it on the board «Апелляции»; the visit's score
// changes on screen, on the board and on the approver's review screen, which says the
// item was changed by appeal and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer, signIn } from './harness.mjs';

let server, manager, admin, sup, visitId, itemId;

before(async () => {
  server = await startServer();
  // The demo's visit to Серпухов with appeals; an item of it that failed and is not
  // appealed yet.
  const m = await server.login('manager');
  const appeals = (await server.api('GET', '/appeals', m)).body;
  visitId = appeals[0].visit_id;
  const appealed = new Set(appeals.map((a) => a.item_id));
  const s = await server.login('supervisor');
  const detail = (await server.api('GET', `/visits/${visitId}`, s)).body;
  itemId = Object.entries(detail.visit.answers)
    .find(([id, a]) => a.value && a.value.type === 'no' && !appealed.has(id))?.[0];
  assert.ok(itemId, 'the demo visit has a failed item not appealed');
  manager = await phone();
  admin = await phone();
  sup = await phone();
});
after(async () => {
  await manager?.browser.close();
  await admin?.browser.close();
  await sup?.browser.close();
  server?.close();
});

/** From home to the board or list «Апелляции». */
async function toAppeals(page) {
  await page.click('[data-testid="to-rating"]');
  await page.click('[data-testid="to-appeals"]');
  await page.waitForSelector('[data-testid="appeals"]');
}

/** The approver's review screen of the visit: its score as shown. */
async function reviewScore(page) {
  await page.click('[data-testid="to-review"]');
  await page.waitForSelector('[data-testid="review-queue"]');
  await page.click('[data-testid="review-queue"] .chips button:nth-child(3)');
  await page.click(`[data-visit="${visitId}"]`);
  await page.waitForSelector('[data-testid="review-score"]');
  return page.textContent('[data-testid="review-score"]');
}

test('a manager appeals, another supervisor upholds, the visit scores higher on screen', async () => {
  const supPage = await sup.context.newPage();
  await signIn(supPage, server.url, 'supervisor');
  const before = await reviewScore(supPage);

  const page = await manager.context.newPage();
  await signIn(page, server.url, 'manager');
  await toAppeals(page);
  await page.waitForSelector('[data-testid="appeal-list"] [data-appeal]');
  await page.fill('[data-testid="appeal-visit"]', visitId);
  await page.click('[data-testid="appeal-open-form"]');
  await page.waitForSelector('[data-testid="appeal-form"]');
  // Without a reason nothing is sent.
  await page.selectOption('[data-testid="appeal-item"]', itemId);
  await page.click('[data-testid="appeal-send"]');
  assert.match(await page.textContent('[data-testid="appeal-error"]'), /причину/);
  await page.fill('[data-testid="appeal-reason"]', 'Пункт выполнен: см. запись камеры офиса');
  await page.screenshot({ path: join(SHOTS, 'appeal-form.png') });
  await page.click('[data-testid="appeal-send"]');
  await page.waitForSelector('[data-testid="appeals"] [data-state="pending"]');
  const m = await server.login('manager');
  const mine = (await server.api('GET', '/appeals', m)).body;
  const appeal = mine.find((a) => a.item_id === itemId);
  assert.equal(appeal.state, 'pending');

  const boardPage = await admin.context.newPage();
  await signIn(boardPage, server.url, 'admin');
  await toAppeals(boardPage);
  const card = `[data-appeal="${appeal.id}"]`;
  await boardPage.waitForSelector(card);
  // Pending first on the board.
  const first = await boardPage.getAttribute('[data-testid="appeal-list"] [data-appeal]', 'data-state');
  assert.equal(first, 'pending');
  await boardPage.fill(`${card} [data-testid="appeal-decision"]`, 'Запись камеры подтверждает');
  await boardPage.screenshot({ path: join(SHOTS, 'appeals-board.png') });
  await boardPage.click(`${card} [data-testid="uphold-passed"]`);
  await boardPage.waitForSelector(`${card}[data-state="upheld"]`);
  // The card shows the visit's score before and after.
  assert.match(await boardPage.textContent(`${card} [data-testid="appeal-score"]`), /→/);

  // The approver's review screen: a higher score, and the item says why.
  await supPage.click('header .ghost');
  await supPage.click('header .ghost');
  await supPage.waitForSelector('[data-testid="home"]');
  const afterScore = await reviewScore(supPage);
  const number = (t) => parseFloat(t.replace(',', '.'));
  assert.ok(number(afterScore) > number(before), `${before} → ${afterScore}`);
  const note = await supPage.textContent(`li[data-item="${itemId}"] [data-testid="by-appeal"]`);
  assert.match(note, /изменено апелляцией/);
  assert.match(note, /Запись камеры подтверждает/);
  await supPage.screenshot({ path: join(SHOTS, 'appeal-rescored.png') });

  // «Графики»: the Pareto of the quarter's failed items, readable at a phone's width; the
  // item just upheld is no longer counted.
  const q = (await server.api('GET', '/rating/quarters', m)).body[0].quarter;
  const chart = (await server.api('GET', `/charts/${q}/failed-items`, await server.login('admin'))).body;
  await boardPage.click('header .ghost');
  await boardPage.click('[data-testid="to-charts"]');
  await boardPage.waitForSelector('[data-testid="pareto"] svg g[data-item]');
  const bars = await boardPage.$$eval('[data-testid="pareto"] g[data-item]', (gs) => gs.map((g) => [g.dataset.item, Number(g.dataset.count)]));
  assert.deepEqual(bars, chart.items.slice(0, bars.length).map((i) => [i.item_id, i.count]));
  assert.ok(bars.length > 0);
  const label = await boardPage.$eval('[data-testid="pareto"] .chart-label', (t) => t.getBoundingClientRect());
  assert.ok(label.right <= 390, 'labels stay within the screen');
  await boardPage.screenshot({ path: join(SHOTS, 'charts.png'), fullPage: true });
  // The median time to fix, in a quarter with fixes verified (the demo's are in the
  // quarters before this one): slowest branch first, as the API gives it.
  const adminToken = await server.login('admin');
  let fixes;
  for (const { quarter } of (await server.api('GET', '/rating/quarters', m)).body) {
    const t = (await server.api('GET', `/charts/${quarter}/time-to-fix`, adminToken)).body;
    if (t.branches.some((b) => b.median_days != null)) { fixes = t; break; }
  }
  assert.ok(fixes, 'the demo has verified fixes');
  await boardPage.click(`[data-testid="charts"] [data-quarter="${fixes.quarter}"]`);
  await boardPage.waitForSelector('[data-testid="time-to-fix"] g[data-branch]');
  const rows = await boardPage.$$eval('[data-testid="time-to-fix"] g[data-branch]', (gs) => gs.map((g) => [g.dataset.branch, Number(g.dataset.median)]));
  assert.deepEqual(rows, fixes.branches.filter((b) => b.median_days != null).map((b) => [b.branch_id, b.median_days]));

  // The manager's list shows the decision.
  await page.click('header .ghost');
  await page.click('[data-testid="to-appeals"]');
  await page.waitForSelector(`[data-appeal="${appeal.id}"][data-state="upheld"]`);
});
