// A phone after months of work: the home screen lists the latest sent visits, not every one
// kept, so it opens as fast with a thousand as with ten; «Показать ещё» shows older ones a
// page at a time. The store is made by the store's own code (crates/client/examples/
// web_seed.rs: visits submitted and acknowledged by the server over past months), as the
// release before the page store kept it; the app migrates it when it opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHOTS, phone, putReleaseSnapshots, serveDist } from './harness.mjs';

const VISITS = 45;
let server, browser, context;

before(async () => {
  const out = join(ROOT, 'target', 'browser-seed', 'home');
  execFileSync('cargo', ['run', '-q', '-p', 'zakupka-client', '--example', 'web_seed', '--', out, String(VISITS)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  server = await serveDist();
  ({ browser, context } = await phone());
  const page = await context.newPage();
  // A page of the app's origin that does not start the app, to put the store in place.
  await page.goto(`${server.url}manifest.webmanifest`);
  await putReleaseSnapshots(page, { main: readFileSync(join(out, 'main.db')) });
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The sent visits listed, in order: id and start time as "YYYYMMDDhhmm" (from the row's
 *  "dd.mm.yyyy hh:mm"). */
const listed = (page) => page.$$eval('[data-testid="submitted"] [data-visit]', (rows) => rows.map((r) => {
  const [, d, m, y, h, min] = r.querySelector('.meta').textContent.match(/(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)/);
  return { id: r.dataset.visit, at: `${y}${m}${d}${h}${min}` };
}));

const newestFirst = (rows) => rows.every((r, i) => i === 0 || rows[i - 1].at >= r.at);

test('home lists the latest sent visits, and «Показать ещё» shows the older ones', async () => {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  const first = await listed(page);
  assert.ok(first.length >= 10 && first.length <= 25, `home lists ${first.length} of the ${VISITS} visits kept`);
  assert.ok(newestFirst(first), 'newest first');
  await page.screenshot({ path: join(SHOTS, 'home-many.png'), fullPage: true });

  // Page by page to the oldest: each tap adds older visits below those shown.
  let shown = first;
  for (let taps = 0; await page.$('[data-testid="show-more"]'); taps++) {
    assert.ok(taps < VISITS, '«Показать ещё» ends');
    assert.equal(await page.textContent('[data-testid="show-more"]'), 'Показать ещё');
    await page.click('[data-testid="show-more"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="submitted"] [data-visit]').length > n, shown.length);
    const now = await listed(page);
    assert.deepEqual(now.slice(0, shown.length), shown, 'the visits shown stay, in their places');
    assert.ok(now[shown.length].at <= shown[shown.length - 1].at, 'the next page is older');
    shown = now;
  }
  assert.equal(shown.length, VISITS, 'every kept visit can be reached');
  assert.equal(new Set(shown.map((r) => r.id)).size, VISITS, 'none twice');
  assert.ok(newestFirst(shown));
  await page.close();
});
