// Presence evidence end to end, with Playwright's geolocation: the auditor allows location
// once, a visit at the office is not flagged, one 2 km away is, and the supervisor sees
// the flag in the queue (filtered by it) and in the visit; a visit to an office of the
// auditor's own branch is flagged and stays out of the rating until the supervisor
// includes it with a reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer, answerAllItems, toHome, signIn, quarterOf } from './harness.mjs';

let server, auditor, sup, page, directory, assigned;

before(async () => {
  server = await startServer();
  const token = await server.login('auditor1');
  directory = (await server.api('GET', '/pull?cursor=0', token)).body.directory;
  // The demo assigns auditor1 offices this quarter: visiting one is not `unassigned`.
  const assignments = (await server.api('GET', '/assignments', token)).body;
  assigned = directory.offices.find((o) => o.id === assignments[0].office_id);
  auditor = await phone();
  await auditor.context.grantPermissions(['geolocation'], { origin: server.url.replace(/\/$/, '') });
  page = await auditor.context.newPage();
  await signIn(page, server.url, 'auditor1');
  sup = await phone();
});
after(async () => {
  await auditor?.browser.close();
  await sup?.browser.close();
  server?.close();
});

/** A whole visit of `office` in the app with the device at `at`, lasting 25 minutes by the
 *  page's clock (the checklist sets a 15-minute minimum); resolves to the visit's id. */
async function visit(office, at) {
  await auditor.context.setGeolocation({ latitude: at.lat, longitude: at.lon, accuracy: 20 });
  await page.clock.setFixedTime(new Date(Date.now() - 30 * 60_000));
  await page.click('[data-testid="start-visit"]');
  await page.waitForSelector('[data-testid="start"]');
  if (await page.$('[data-testid="location-question"]')) {
    // Asked once, saying why.
    assert.match(await page.textContent('[data-testid="location-question"]'), /только руководители/);
    await page.click('[data-testid="location-allow"]');
    await page.waitForSelector('[data-testid="location-question"]', { state: 'detached' });
  }
  await page.fill('[data-testid="office-search"]', office.address);
  await page.click(`[data-office="${office.id}"]`);
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
  for (let n = 0; ; n++) {
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    await answerAllItems(page, n);
    if (!(await page.$('[data-testid="next"]'))) break;
    await page.click('[data-testid="next"]');
    await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
  }
  await page.click('[data-testid="to-summary"]');
  await page.waitForSelector('[data-testid="missing-none"]');
  await page.clock.setFixedTime(new Date(Date.now() - 5 * 60_000));
  const before = await page.$$('[data-testid="submitted"] [data-visit]');
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="submitted"] [data-visit]').length > n, before.length);
  const token = await server.login('supervisor');
  for (let i = 0; i < 100; i++) {
    const mine = (await server.api('GET', '/visits?auditor=auditor1&state=', token)).body.visits;
    const fresh = mine.filter((v) => v.office_id === office.id && !seen.has(v.visit_id));
    if (fresh.length) {
      seen.add(fresh[0].visit_id);
      return fresh[0];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the visit did not reach the server');
}
const seen = new Set();

/** Degrees of longitude that make 2.1 km at `at`'s latitude. */
function farEast(at) {
  return 2100 / (111_320 * Math.cos((at.lat * Math.PI) / 180));
}

let far;

test('a visit at the office is not flagged, one 2 km away is', async () => {
  const here = assigned.position;
  const near = await visit(assigned, here);
  assert.deepEqual(near.presence_flags ?? [], [], 'at the office, long enough, assigned');
  // 2.1 km east, whichever town the demo assigned: a degree of longitude shrinks with
  // the cosine of the latitude.
  far = await visit(assigned, { lat: here.lat, lon: here.lon + farEast(here) });
  assert.deepEqual(far.presence_flags, ['far']);
  // The auditor's own reading of it has no positions: they are for supervisors.
  const mine = (await server.api('GET', `/visits/${far.visit_id}`, await server.login('auditor1'))).body;
  assert.equal(mine.visit.start_location, undefined);
  const theirs = (await server.api('GET', `/visits/${far.visit_id}`, await server.login('supervisor'))).body;
  assert.ok(Math.abs(theirs.visit.start_location.lon - (here.lon + farEast(here))) < 1e-6);
});

test('the supervisor sees the flag in the queue, filters by it, and sees it in the visit', async () => {
  const p = await sup.context.newPage();
  await signIn(p, server.url, 'supervisor');
  await p.click('[data-testid="to-review"]');
  await p.waitForSelector('[data-testid="review-queue"]');
  await p.selectOption('[data-testid="filter-flag"]', 'far');
  const row = await p.waitForSelector(`[data-visit="${far.visit_id}"]`);
  assert.ok(await row.$('[data-flag="far"]'), 'the row carries the flag');
  const rows = await p.$$eval('[data-testid="queue"] [data-visit]', (r) => r.map((x) => x.querySelector('[data-flag="far"]') !== null));
  assert.ok(rows.length >= 1 && rows.every(Boolean), 'only far visits under the filter');
  await p.click('[data-testid="auditor-flags"] summary');
  await p.waitForSelector('[data-testid="auditor-flags"] [data-auditor="auditor1"]');
  await row.click();
  await p.waitForSelector('[data-testid="presence-flag"][data-flag="far"]');
  const where = await p.textContent('[data-testid="presence"]');
  assert.match(where, /в начале: 2\d{3} м от офиса/, where);
  await p.screenshot({ path: join(SHOTS, 'review-presence.png'), fullPage: true });
  await p.close();
});

/** Approved visits of `branch` in the current quarter's rating. */
async function approvedIn(branch) {
  const token = await server.login('supervisor');
  const rating = (await server.api('GET', `/rating?quarter=${quarterOf(new Date())}`, token)).body;
  for (const t of rating.tables) {
    const row = t.rows.find((r) => r.branch_id === branch);
    if (row) return row.visits.length;
    const not = t.not_rated.find(([b]) => b === branch);
    if (not) return not[1].approved ?? 0;
  }
  throw new Error(`${branch} is not in the rating`);
}

test('an own-branch visit is flagged and out of the rating until included with a reason', async () => {
  // auditor1 works for Podolsk (the demo says so).
  const own = directory.offices.find((o) => o.branch_id === 'podolsk' && o.id !== 'podolsk-1');
  const v = await visit(own, own.position);
  assert.ok(v.presence_flags.includes('own_branch'), JSON.stringify(v.presence_flags));
  const before = await approvedIn('podolsk');
  const p = await sup.context.newPage();
  await toHome(p, server.url); // signed in by the test before
  await p.click('[data-testid="to-review"]');
  await p.selectOption('[data-testid="filter-flag"]', 'own_branch');
  await (await p.waitForSelector(`[data-visit="${v.visit_id}"]`)).click();
  await p.waitForSelector('[data-testid="presence-flag"][data-flag="own_branch"]');
  await p.click('[data-testid="approve"]');
  await p.waitForSelector('[data-testid="approve"]', { state: 'detached' });
  assert.equal(await approvedIn('podolsk'), before, 'approved, yet out of the rating');
  assert.ok(await p.isDisabled('[data-testid="include"]'), 'no inclusion without a reason');
  await p.fill('[data-testid="include-reason"]', 'Офис передан другому управлению');
  await p.click('[data-testid="include"]');
  const included = await p.waitForSelector('[data-testid="included"]');
  assert.match(await included.textContent(), /supervisor.*«Офис передан другому управлению»/);
  assert.equal(await approvedIn('podolsk'), before + 1, 'included, it counts');
  await p.close();
});
