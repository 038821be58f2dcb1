// The app open in two tabs of one browser (the installed app and a browser tab, a link
// opened twice): each tab would write its own whole copy of the store into IndexedDB and
// the last writer would silently drop what the other confirmed. One tab holds the store;
// another says the app is open elsewhere and opens by itself once that tab is closed.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, serveDist, phone } from './harness.mjs';

let server, browser, context;
let errors = [];

before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });
// One browser, one profile: every tab of a test shares the same origin storage.
beforeEach(async () => {
  ({ browser, context } = await phone());
  errors = [];
});
afterEach(async () => { await browser?.close(); });

async function newTab() {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

async function startVisit(page) {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', 'Серпухов');
  await page.click('[data-office]');
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', 'auditor2');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
}

/** Answers the `n`th yes/no item of the open section and waits for «Сохранено», which
 *  the app shows only once the write is durable. Returns [item id, value]. */
async function answer(page, n, value) {
  const cards = await page.$$('article[data-item]:has(button[data-value="yes"])');
  const id = await cards[n].getAttribute('data-item');
  await page.click(`article[data-item="${id}"] button[data-value="${value}"]`);
  await page.waitForSelector(`article[data-item="${id}"].answered`);
  await page.waitForSelector('[data-testid="save-state"].saved');
  return [id, value];
}

/** The pressed answer of every answered item of the open section. */
async function shown(page) {
  return page.$$eval('article[data-item].answered', (cards) => Object.fromEntries(cards.map((c) => [
    c.dataset.item, c.querySelector('button[aria-pressed="true"]')?.dataset.value ?? null,
  ])));
}

const ELSEWHERE = '[data-testid="open-elsewhere"]';

test('a second tab waits while the first holds the store; every confirmed answer survives', async () => {
  const a = await newTab();
  await startVisit(a);
  const confirmed = {};
  for (const [n, v] of [[0, 'yes'], [1, 'no'], [2, 'yes'], [3, 'yes']]) {
    const [id, value] = await answer(a, n, v);
    confirmed[id] = value;
  }
  assert.deepEqual(await shown(a), confirmed);

  // The same link opened again: this tab neither loads nor writes the store.
  const b = await newTab();
  await b.goto(server.url);
  await b.waitForSelector(ELSEWHERE);
  assert.match(await b.textContent(ELSEWHERE), /уже открыта в другой вкладке или окне/);
  assert.match(await b.textContent(ELSEWHERE), /Повторить/);
  await b.screenshot({ path: join(SHOTS, 'open-elsewhere.png') });
  // «Повторить» while the other tab is still open: the same screen again, nothing opened.
  await b.click('[data-testid="retry"]');
  await b.waitForTimeout(300);
  await b.waitForSelector(ELSEWHERE);
  assert.equal(await b.$('[data-testid="checklist"]'), null);
  assert.equal(await b.$('[data-testid="home"]'), null);

  // The first tab still works while the second waits.
  const [id5, value5] = await answer(a, 4, 'no');
  confirmed[id5] = value5;

  // Closing the first tab frees the store: the waiting tab opens by itself, on the visit the
  // user left, with every answer the first tab confirmed.
  await a.close();
  await b.waitForSelector('[data-testid="checklist"]', { timeout: 10_000 });
  assert.equal(await b.$(ELSEWHERE), null);
  assert.deepEqual(await shown(b), confirmed);

  const [id6, value6] = await answer(b, 5, 'yes');
  confirmed[id6] = value6;
  await b.close();

  const c = await newTab();
  await c.goto(server.url);
  await c.waitForSelector('[data-testid="checklist"]');
  assert.deepEqual(await shown(c), confirmed, 'a fresh tab shows every answer either tab confirmed');
  assert.equal(Object.keys(confirmed).length, 6);
  assert.deepEqual(errors, []);
});

test('a browser without Web Locks opens the app as before', async () => {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  const page = await newTab();
  const logged = [];
  page.on('console', (m) => logged.push(m.text()));
  await startVisit(page);
  const [id, value] = await answer(page, 0, 'yes');
  await page.reload();
  await page.waitForSelector('[data-testid="checklist"]');
  assert.deepEqual(await shown(page), { [id]: value });
  assert.ok(logged.some((t) => /Web Locks/.test(t)), `the missing lock is logged: ${logged.join(' | ')}`);
  assert.deepEqual(errors, []);
});

// Without Web Locks nothing keeps the second tab out, and each tab holds its own copy of
// the pages: the tab opened last owns the store, and the other's writes are refused
// (shown as not saved) rather than mixed page by page into the same database.
test('without Web Locks the tab opened last owns the store; the other one\'s writes fail visibly', async () => {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  const a = await newTab();
  await startVisit(a);
  const [id0, value0] = await answer(a, 0, 'yes');

  const b = await newTab();
  await b.goto(server.url);
  await b.waitForSelector('[data-testid="checklist"]');
  assert.deepEqual(await shown(b), { [id0]: value0 });

  // Tab A's next answer is not stored, and A says so.
  const cards = await a.$$('article[data-item]:has(button[data-value="yes"])');
  const id1 = await cards[1].getAttribute('data-item');
  await a.click(`article[data-item="${id1}"] button[data-value="no"]`);
  await a.waitForSelector('[data-testid="save-state"].failed');
  assert.match(await a.textContent('[data-testid="save-state"]'), /Не сохранено/);

  const [id2, value2] = await answer(b, 2, 'yes');
  await a.close();
  await b.close();
  const c = await newTab();
  await c.goto(server.url);
  await c.waitForSelector('[data-testid="checklist"]');
  assert.deepEqual(await shown(c), { [id0]: value0, [id2]: value2 }, 'what B confirmed, nothing of A\'s refused answer');
  assert.deepEqual(errors, []);
});
