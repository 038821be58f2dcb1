// The browser may evict a site's storage when the disk fills up, and with it the visits
// not yet synced. The app asks for persistent storage at sign-in, and the account screen
// shows how much is kept against the browser's quota and, when the browser refused, says
// what that means for the auditor.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer } from './harness.mjs';

let server, browser, context;

before(async () => { server = await startServer(); });
after(() => { server?.close(); });
// A fresh profile for each test: the second one stubs the browser's answer.
beforeEach(async () => { ({ browser, context } = await phone()); });
afterEach(async () => { await browser?.close(); });

// «Занято 3,2 МБ из 1,1 ГБ»: a number (Russian decimal comma) and a unit, twice.
const USAGE = /^Занято \d+(,\d)? (Б|КБ|МБ|ГБ) из \d+(,\d)? (КБ|МБ|ГБ|ТБ)$/;

async function signIn(page) {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="sync-bar"] .who');
}

/** Opens the account screen of a signed-in auditor: their login in the sync bar. */
async function openAccount(page) {
  await page.click('[data-testid="sync-bar"] .who .ghost');
  await page.waitForSelector('[data-testid="sign-out"]');
  return (await (await page.waitForSelector('[data-testid="storage-use"]')).textContent()).trim();
}

test('the account screen shows the storage used and the quota, and warns only if the browser may evict', async () => {
  const page = await context.newPage();
  await signIn(page);
  const usage = await openAccount(page);
  assert.match(usage, USAGE);
  // The page's own answer, after the app asked at sign-in.
  const persisted = await page.evaluate(() => navigator.storage.persisted());
  if (persisted) {
    // Give the screen's own check time to land before asserting its absence.
    await page.waitForTimeout(500);
    assert.equal(await page.$('[data-testid="storage-not-persistent"]'), null, 'storage is persistent: no warning');
  } else {
    const warning = await (await page.waitForSelector('[data-testid="storage-not-persistent"]')).textContent();
    assert.match(warning, /может удалить проверки/);
  }
  await page.screenshot({ path: join(SHOTS, 'account-storage.png') });
});

test('a browser that refuses persistent storage at sign-in gets a warning on the account screen', async () => {
  await context.addInitScript(() => {
    window.persistAsked = 0;
    navigator.storage.persisted = async () => false;
    navigator.storage.persist = async () => { window.persistAsked += 1; return false; };
  });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  // Before sign-in the app has asked nothing, and warns of nothing.
  await page.click('[data-testid="to-account"]');
  await page.waitForSelector('[data-testid="storage-use"]');
  await page.waitForTimeout(300);
  assert.equal(await page.$('[data-testid="storage-not-persistent"]'), null);
  assert.equal(await page.evaluate(() => window.persistAsked), 0);
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="sync-bar"] .who');
  await page.waitForFunction(() => window.persistAsked === 1);

  assert.match(await openAccount(page), USAGE);
  const warning = await (await page.waitForSelector('[data-testid="storage-not-persistent"]')).textContent();
  assert.match(warning, /^Браузер не обещал хранить данные приложения: когда места станет мало, он может удалить проверки, сохранённые на этом устройстве\. Чаще синхронизируйте или установите приложение\.$/);
  await page.screenshot({ path: join(SHOTS, 'account-storage-refused.png') });
});

// Headless Chromium refuses: this is the path of a browser that grants at sign-in.
test('a browser that grants persistent storage at sign-in gets no warning', async () => {
  await context.addInitScript(() => {
    let granted = false;
    navigator.storage.persisted = async () => granted;
    navigator.storage.persist = async () => { granted = true; return true; };
  });
  const page = await context.newPage();
  await signIn(page);
  assert.match(await openAccount(page), USAGE);
  assert.equal(await page.evaluate(() => navigator.storage.persisted()), true, 'asked at sign-in');
  await page.waitForTimeout(500);
  assert.equal(await page.$('[data-testid="storage-not-persistent"]'), null);
});
