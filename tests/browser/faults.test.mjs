// Photos, the stopwatch, refused input and storage that cannot be read, in the real web
// build at a phone viewport.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corruptStore, serveDist, phone } from './harness.mjs';

let server, browser, page;
let errors = [];

before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });
beforeEach(async () => {
  let context;
  ({ browser, context } = await phone());
  page = await context.newPage();
  errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
});
afterEach(async () => { await browser?.close(); });

// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const saved = () => page.waitForSelector('[data-testid="save-state"].saved');

async function startVisit() {
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

test('a photo is kept with its item across a reload; a file that is not a photo is refused', async () => {
  await startVisit();
  const card = 'article[data-item]:has(.photo-add)';
  const id = await page.getAttribute(card, 'data-item');
  await page.setInputFiles(`article[data-item="${id}"] input[type="file"]`, { name: 'stand.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForSelector(`article[data-item="${id}"] .photos img`);
  await saved();
  await page.reload();
  await page.waitForSelector(`article[data-item="${id}"] .photos img`);
  assert.equal((await page.$$(`article[data-item="${id}"] .photos img`)).length, 1);

  await page.setInputFiles(`article[data-item="${id}"] input[type="file"]`,
    { name: 'notes.txt', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all') });
  const notice = await page.waitForSelector('[data-testid="notice"]');
  assert.match(await notice.textContent(), /notes\.txt.*не фото/);
  assert.equal((await page.$$(`article[data-item="${id}"] .photos img`)).length, 1, 'nothing was added');
  assert.deepEqual(errors, []);
});

test('the waiting-time stopwatch runs across a reload and fills the item', async () => {
  await startVisit();
  while (!(await page.$('[data-testid="timer"]'))) {
    await page.click('[data-testid="next"]');
  }
  await page.click('[data-testid="timer"]');
  await page.waitForSelector('[data-testid="timer"].running');
  await saved();
  await page.reload();
  await page.waitForSelector('[data-testid="timer"].running');
  await page.click('[data-testid="timer"]');
  await page.waitForSelector('[data-testid="timer"]:not(.running)');
  const item = page.locator('article[data-item]:has([data-testid="timer"])');
  assert.match(await item.getAttribute('class'), /answered/);
  assert.equal(await item.locator('input[data-testid="number"]').inputValue(), '1', 'a started minute counts');
});

test('storage that does not open as a database is offered as a copy, never reset silently', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  const garbage = 'these bytes are not a database '.repeat(64);
  await corruptStore(page, garbage);
  await page.reload();
  await page.waitForSelector('[data-testid="db-error"]');
  assert.equal(await page.$('[data-testid="home"]'), null);
  assert.match(await page.textContent('[data-testid="db-error"]'), /Не удалось открыть базу проверок/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-copy"]')]);
  assert.equal(readFileSync(await download.path(), 'utf8'), garbage, 'the copy is exactly what was stored');
  await page.click('[data-testid="start-empty"]');
  await page.waitForSelector('[data-testid="home"]');
  await page.reload();
  await page.waitForSelector('[data-testid="home"]');
});
