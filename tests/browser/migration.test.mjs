// A phone that used the release before the page store holds its visits as two whole SQLite
// images in IndexedDB ('zakupka' v1, object store 'snapshots'). Updated, the app must open
// on exactly that data, moved into the page store in one IndexedDB transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHOTS, phone, putReleaseSnapshots, serveDist } from './harness.mjs';

const FIXTURE = join(ROOT, 'tests', 'browser', 'fixtures', 'release-snapshots');
let server, browser, context;

before(async () => {
  server = await serveDist();
  ({ browser, context } = await phone());
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** What the browser holds in 'zakupka': object store names and their keys. */
const kept = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const req = indexedDB.open('zakupka');
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const d = req.result;
    const names = [...d.objectStoreNames];
    const out = { version: d.version, stores: {} };
    const tx = d.transaction(names);
    for (const name of names) {
      tx.objectStore(name).getAllKeys().onsuccess = (e) => { out.stores[name] = e.target.result.length; };
    }
    tx.objectStore('files').getAllKeys().onsuccess = (e) => { out.files = e.target.result; };
    tx.oncomplete = () => { d.close(); resolve(out); };
  };
}));

test('a browser holding the release\'s snapshots opens with every visit, answer, comment, photo and setting', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // A page of the app's origin that does not start the app, to put the old data in place
  // the way the release left it.
  await page.goto(`${server.url}manifest.webmanifest`);
  await putReleaseSnapshots(page, Object.fromEntries(['main', 'media'].map((k) => [k, readFileSync(join(FIXTURE, `${k}.sqlite`))])));

  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  const after = await kept(page);
  assert.equal(after.version, 2);
  assert.equal(after.stores.snapshots, 0, 'the old snapshots are gone');
  assert.deepEqual(after.files, ['zakupka', 'zakupka-media'], 'both databases are in the page store');

  const check = async () => {
    await page.waitForSelector('[data-testid="home"]');
    // Signed in as before: the sync bar names the account.
    assert.match(await page.textContent('[data-testid="sync-bar"]'), /auditor1/);
    const drafts = await page.$$('[data-testid="drafts"] [data-visit]');
    assert.equal(drafts.length, 1, 'the draft');
    assert.match(await drafts[0].textContent(), /3 \/ \d+/, 'with its three answers');
    const sent = await page.$$('[data-testid="submitted"] [data-visit]');
    assert.equal(sent.length, 1, 'the submitted visit');
    assert.equal(await sent[0].getAttribute('data-sync'), 'waiting', 'still waiting in the outbox');
    assert.match(await sent[0].textContent(), /ожидает отправки/);

    await drafts[0].click();
    await page.waitForSelector('[data-testid="checklist"]');
    const shown = await page.$$eval('article[data-item]', (cards) => cards.map((c) => ({
      answer: c.querySelector('button[aria-pressed="true"]')?.dataset.value ?? null,
      comment: c.querySelector('textarea.comment')?.value ?? '',
      photos: [...c.querySelectorAll('.photos img')].map((i) => (i.complete ? i.naturalWidth : -1)),
    })));
    assert.deepEqual(shown.slice(0, 3).map((s) => s.answer), ['yes', 'no', 'yes']);
    assert.ok(shown.slice(3).every((s) => s.answer === null));
    assert.equal(shown[1].comment, 'Пыль на стойке');
    await page.waitForFunction(() => [...document.querySelectorAll('.photos img')].every((i) => i.complete && i.naturalWidth > 0));
    const widths = await page.$$eval('.photos img', (imgs) => imgs.map((i) => i.naturalWidth));
    assert.deepEqual(widths, [96], 'the photo shows');
    await page.click('[data-testid="home-button"]');
  };
  await check();
  await page.screenshot({ path: join(SHOTS, 'migrated-home.png') });
  // And again from the page store alone.
  await page.reload();
  await check();
  assert.deepEqual(errors, []);
});
