// Assignments end to end: a supervisor assigns a visit on the phone (the own-branch rule
// refuses, the consecutive-quarter rule warns), the auditor's phone shows it after sync and
// still offline, and the visit starts from it. The review queue narrows by branch and flags
// a visit from a phone with a wrong clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer, toHome, signIn, quarterOf } from './harness.mjs';

let server, sup, auditor;

before(async () => {
  server = await startServer();
  sup = await phone();
  auditor = await phone();
});
after(async () => {
  await sup?.browser.close();
  await auditor?.browser.close();
  server?.close();
});

function nextQuarter(q) {
  const [y, n] = q.split('-Q').map(Number);
  return n === 4 ? `${y + 1}-Q1` : `${y}-Q${n + 1}`;
}

let assignedId, assignedOffice;

test('a supervisor assigns a visit: own branch refused, same office next quarter warned', async () => {
  const page = await sup.context.newPage();
  await signIn(page, server.url, 'supervisor');
  await page.click('[data-testid="to-assign"]');
  await page.waitForSelector('[data-testid="assign-form"]');
  await page.waitForSelector('[data-testid="assign-auditor"] option[value="auditor1"]', { state: 'attached' });
  await page.selectOption('[data-testid="assign-auditor"]', 'auditor1');
  await page.click('[data-testid="assign-scenarios"] [data-scenario]');

  // auditor1 works for Podolsk (the demo says so): a Podolsk office is refused at once.
  await page.fill('[data-testid="assign-office-search"]', 'Подольск');
  await page.click('[data-testid="assign-offices"] [data-office]');
  const refusal = await page.waitForSelector('[data-testid="assign-refusal"]');
  assert.match(await refusal.textContent(), /своё управление проверять нельзя/);
  assert.ok(await page.isDisabled('[data-testid="assign-submit"]'), 'a refused assignment cannot be sent');

  // A Klin office, which auditor1 is already assigned to next quarter: a warning, not a refusal.
  await page.fill('[data-testid="assign-office-search"]', 'Клин');
  assignedOffice = await page.getAttribute('[data-testid="assign-offices"] [data-office]', 'data-office');
  const token = await server.login('supervisor');
  const now = quarterOf(new Date());
  const next = nextQuarter(now);
  const [y, n] = next.split('-Q').map(Number);
  const due = `${y}-${String((n - 1) * 3 + 2).padStart(2, '0')}-15`;
  const made = await server.api('POST', '/assignments', token,
    { auditor: 'auditor1', office_id: assignedOffice, quarter: next, scenario: 'bill-explanation', due });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await page.click('[data-testid="assign-offices"] [data-office]');
  const warning = await page.waitForSelector('[data-testid="assign-warning"]');
  assert.match(await warning.textContent(), new RegExp(`соседнем квартале.*${next}`));
  assert.equal(await page.$('[data-testid="assign-refusal"]'), null);
  assert.equal((await page.textContent('[data-testid="assign-submit"]')).trim(), 'Назначить всё равно');
  await page.fill('[data-testid="assign-note"]', 'Лучше до обеда');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the form fits the phone');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'and a 360 px phone');
  const small = await page.$$eval('[data-testid="assign-form"] button, [data-testid="assign-form"] select, [data-testid="assign-form"] input',
    (els) => els.filter((e) => e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().height < 44).map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(small, [], 'every control is a large touch target');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, 'assign.png'), fullPage: true });
  await page.click('[data-testid="assign-submit"]');
  await page.waitForSelector('[data-testid="assign-done"]');

  const list = (await server.api('GET', `/assignments?quarter=${now}&auditor=auditor1`, token)).body;
  const mine = list.find((a) => a.office_id === assignedOffice);
  assert.ok(mine, 'stored on the server');
  assert.equal(mine.note, 'Лучше до обеда');
  assert.equal(mine.created_by, 'supervisor');
  assignedId = mine.id;
  await page.waitForSelector(`[data-testid="assignment-list"] [data-assignment="${assignedId}"]`);
});

test("the auditor's phone shows the assignment after sync, and offline after a reload", async () => {
  const page = await auditor.context.newPage();
  await signIn(page, server.url, 'auditor1');
  await page.evaluate(() => navigator.serviceWorker.ready);
  const row = `[data-testid="assignments"] [data-assignment="${assignedId}"]`;
  await page.waitForSelector(row);
  assert.match(await page.textContent(row), /Лучше до обеда/);
  await page.screenshot({ path: join(SHOTS, 'assignments-phone.png') });

  await server.stop();
  await auditor.context.setOffline(true);
  await page.reload();
  await page.waitForSelector(row);
  await page.click(row);
  await page.waitForSelector('[data-testid="checklist"]');
  await page.click('header .ghost');
  await page.waitForSelector(row);
  assert.match(await page.textContent(row), /Продолжить/, 'the visit of the assignment is under way');
  await auditor.context.setOffline(false);
  await server.start();
});

test('the review queue narrows to one branch and flags a phone with a wrong clock', async () => {
  // One tab of the app per browser holds the store: the supervisor's earlier tab is closed
  // first, as on a phone, or this one would wait for it (tabs.test.mjs).
  for (const open of sup.context.pages()) await open.close();
  const page = await sup.context.newPage();
  await toHome(page, server.url);
  await page.waitForSelector('[data-testid="to-review"]');
  await page.click('[data-testid="to-review"]');
  await page.waitForSelector('[data-testid="queue"] [data-visit]');
  const token = await server.login('supervisor');
  const waiting = (await server.api('GET', '/visits?state=submitted', token)).body.visits;
  const directory = (await server.api('GET', '/pull?cursor=0', token)).body.directory;
  const branch = directory.offices.find((o) => o.id === waiting[0].office_id).branch_id;
  const expected = (await server.api('GET', `/visits?state=submitted&branch=${branch}`, token)).body.visits.map((v) => v.visit_id).sort();
  assert.ok(expected.length < waiting.length, 'the filter leaves some visits out');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the queue and its filters fit a 360 px phone');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.selectOption('[data-testid="filter-branch"]', branch);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="queue"] [data-visit]').length === n, expected.length);
  const shown = (await page.$$eval('[data-testid="queue"] [data-visit]', (b) => b.map((x) => x.dataset.visit))).sort();
  assert.deepEqual(shown, expected);
  await page.selectOption('[data-testid="filter-branch"]', '');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="queue"] [data-visit]').length === n, waiting.length);

  // The demo's phone with a fast clock: its visit is flagged in the queue and in full.
  const flagged = waiting.filter((v) => (v.time_flags ?? []).includes('in_the_future'));
  assert.equal(flagged.length, 1, 'the demo has one visit from a phone with a fast clock');
  const row = `[data-testid="queue"] [data-visit="${flagged[0].visit_id}"]`;
  assert.match(await page.textContent(row), /Проверьте время/);
  assert.equal(await page.$$eval('[data-testid="queue"] [data-testid="time-flag"]', (f) => f.length), 1);
  await page.click(row);
  assert.match(await (await page.waitForSelector('[data-testid="review-visit"] [data-testid="time-flag"]')).textContent(), /часы телефона спешат/);
});
