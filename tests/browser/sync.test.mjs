// Offline-first, end to end: sign in online, lose the network, complete and submit a visit,
// reload with no network, get the network back, and the visit is on the server, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { PNG, SHOTS, fillVisit, nextSection, phone, startServer, startVisit, toHome as harnessToHome } from './harness.mjs';


let server, browser, context, page;
let correctedId;

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function visitsOf(login) {
  const token = await server.login('supervisor');
  // Every page of the queue, following its cursor.
  const all = [];
  for (let cursor = null; ;) {
    const { body } = await server.api('GET', `/visits?auditor=${login}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, token);
    all.push(...body.visits);
    if (!body.next) break;
    cursor = body.next;
  }
  return all.filter((v) => v.auditor === login);
}

test('a visit made offline reaches the server once when the network returns', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  // The app shell must be cached before the network goes, as on a phone used the day before.
  await page.evaluate(() => navigator.serviceWorker.ready);

  await page.click('[data-testid="to-account"]');
  assert.equal(await page.inputValue('[data-testid="server"]'), server.url.replace(/\/$/, ''), 'the server that served the app');
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'wrong');
  await page.click('[data-testid="sign-in"]');
  assert.match(await (await page.waitForSelector('[data-testid="login-error"]')).textContent(), /Неверный логин или пароль/);
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="last-sync"]').textContent.includes('ещё не было'));
  const before = (await visitsOf('auditor1')).length;

  // No network: the phone is offline and the server is out of reach.
  await server.stop();
  await context.setOffline(true);
  await startVisit(page);
  // A photo of the first item that takes one: it follows the visit to the server, and the
  // supervisor sees it there.
  await fillVisit(page, { photo: { name: 'stand.png', mimeType: 'image/png', buffer: PNG } });
  await page.click('[data-testid="to-summary"]');
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-sync="waiting"]');
  await page.waitForSelector('[data-testid="save-state"].saved');

  await page.reload();
  await page.waitForSelector('[data-testid="submitted"] [data-sync="waiting"]');
  await page.screenshot({ path: join(SHOTS, 'home-offline.png') });
  await server.start();

  await context.setOffline(false);
  await page.waitForSelector('[data-testid="submitted"] [data-sync="synced"]', { timeout: 60000 });
  const after = await visitsOf('auditor1');
  assert.equal(after.length, before + 1, 'the visit is on the server exactly once');
  const id = await page.getAttribute('[data-testid="submitted"] [data-visit]', 'data-visit');
  assert.ok(after.some((v) => v.visit_id === id && v.state === 'submitted'));
  await page.screenshot({ path: join(SHOTS, 'home-synced.png') });

  // Syncing again sends nothing twice.
  await page.click('[data-testid="sync-now"]');
  await page.waitForSelector('[data-testid="sync-now"]:not([disabled])');
  assert.equal((await visitsOf('auditor1')).length, before + 1);
});

test('a returned visit shows the remarks, is corrected and approved', async () => {
  const id = await page.getAttribute('[data-testid="submitted"] [data-visit]', 'data-visit');
  const sup = await server.login('supervisor');
  const item = 'office.open-hours';
  const returned = await server.api('POST', `/visits/${id}/review`, sup,
    { decision: 'return', revision: 1, comment: 'Уточните режим работы', item_comments: { [item]: 'Во сколько открылся офис?' } });
  assert.equal(returned.status, 200);

  await page.click('[data-testid="sync-now"]');
  await page.waitForSelector(`[data-visit="${id}"][data-sync="returned"]`);
  await page.click(`[data-visit="${id}"]`);
  const notes = await page.waitForSelector('[data-testid="review-notes"]');
  assert.match(await notes.textContent(), /Уточните режим работы/);
  await page.screenshot({ path: join(SHOTS, 'returned.png') });

  await page.click('[data-testid="correct"]');
  await page.waitForSelector('[data-testid="checklist"]');
  const card = `article[data-item="${item}"]`;
  assert.match(await page.textContent(`${card} [data-testid="remark"]`), /Во сколько открылся офис/);
  const other = (await page.getAttribute(`${card} button[aria-pressed="true"]`, 'data-value')) === 'yes' ? 'no' : 'yes';
  await page.click(`${card} button[data-value="${other}"]`);
  await page.waitForSelector(`${card} button[data-value="${other}"][aria-pressed="true"]`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, 'correction.png') });
  await page.click('[data-testid="home-button"]');
  await page.click(`[data-visit="${id}"]`);
  await page.waitForSelector('[data-testid="checklist"]');
  // Straight to the summary through the sections.
  while (await page.$('[data-testid="next"]')) await nextSection(page);
  await page.click('[data-testid="to-summary"]');
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector(`[data-visit="${id}"][data-sync="synced"]`, { timeout: 60000 });

  const detail = await server.api('GET', `/visits/${id}`, sup);
  assert.equal(detail.body.visit.revision, 2);
  assert.equal(detail.body.visit.answers[item].value.type, other, 'the server has the correction');
  assert.equal((await server.api('POST', `/visits/${id}/review`, sup, { decision: 'approve', revision: 2 })).status, 200);
  await page.click('[data-testid="sync-now"]');
  await page.waitForSelector(`[data-visit="${id}"][data-sync="approved"]`);
  const log = await server.api('GET', `/visits/${id}/log`, sup);
  assert.deepEqual(log.body.map((e) => e.to), ['submitted', 'returned', 'submitted', 'approved']);
  correctedId = id;
});

test('the rating shows both leagues with shared places, explains a branch, and fits phone and desktop', async () => {
  const sup = await server.login('supervisor');
  const quarters = (await server.api('GET', '/rating/quarters', sup)).body;
  const last = quarters.find((q) => q.published).quarter;
  const truth = (await server.api('GET', `/rating?quarter=${last}`, sup)).body;

  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-rating"]');
  await page.click(`[data-quarter="${last}"]`);
  // The quarter loads after the click: wait for its status rather than the previous one's.
  await page.waitForFunction(() => /^Опубликован/.test(document.querySelector('[data-testid="rating-status"]')?.textContent ?? ''));
  for (const league of ['large', 'small']) {
    await page.click(`[data-league="${league}"]`);
    const table = truth.tables.find((t) => t.league === league);
    await page.waitForFunction((first) => document.querySelector('[data-branch]')?.dataset.branch === first, table.rows[0].branch_id);
    const shown = await page.$$eval('[data-branch]', (rows) => rows.map((r) => [r.dataset.branch, Number(r.dataset.place)]));
    assert.deepEqual(shown, table.rows.map((r) => [r.branch_id, r.place]), `${league} league as the server computed it`);
  }
  await page.click('[data-league="large"]');
  const history = (await server.api('GET', '/rating/history', sup)).body;
  const holder = history.quarters.at(-1).large[0];
  const name = await page.evaluate(() => document.querySelector('[data-testid="cups"] strong')?.textContent);
  assert.ok(name && name.trim().length > 0, 'the cup holder is named');
  assert.equal(history.times_led[holder] >= 1, true);
  const first = truth.tables.find((t) => t.league === 'large').rows[0];
  await page.click(`[data-branch="${first.branch_id}"] button`);
  await page.waitForSelector('[data-testid="trend"] polyline');
  const dots = await page.$$eval('[data-testid="trend"] circle', (c) => c.length);
  assert.equal(dots, history.scores[first.branch_id].length, 'one point per published quarter');
  const rows = await page.$$eval('[data-testid="explain"] tbody tr', (trs) => trs.length);
  assert.equal(rows, truth.methodology.criteria.length, 'every criterion explained');
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="xlsx"]')]);
  assert.equal(file.suggestedFilename(), `rating-${last}.xlsx`);
  assert.equal(readFileSync(await file.path()).subarray(0, 2).toString(), 'PK', 'a real XLSX (zip) file');
  await page.screenshot({ path: join(SHOTS, 'rating-phone.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1280));
  await page.screenshot({ path: join(SHOTS, 'rating-desktop.png') });
  await page.setViewportSize({ width: 390, height: 844 });
});

const toHome = () => harnessToHome(page, server.url);

test('a supervisor works through the queue: returns one visit with a remark, approves another', async () => {
  await toHome();
  await page.click('[data-testid="sync-bar"] .who .ghost');
  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="sign-in"]');
  await page.fill('[data-testid="login"]', 'supervisor');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="to-review"]');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the sync bar fits the phone');
  await page.click('[data-testid="to-review"]');
  await page.waitForSelector('[data-testid="queue"] [data-state="submitted"]');
  const ids = await page.$$eval('[data-testid="queue"] [data-visit]', (b) => b.map((x) => x.dataset.visit));
  assert.ok(ids.length >= 2, `demo visits wait for review (${ids.length})`);

  await page.click(`[data-visit="${ids[0]}"]`);
  await page.waitForSelector('[data-testid="review-score"]');
  await page.click('[data-testid="reject"]');
  await page.click('[data-testid="confirm-reject"]');
  // Worded from the refusal's code, never the server's English.
  assert.match(await (await page.waitForSelector('[data-testid="review-error"]')).textContent(), /Напишите в комментарии причину отклонения/);
  // A remark box opens on tap, here in the first section.
  await page.click('details[data-section] summary');
  const item = await page.locator('[data-remark-open]:visible').first().getAttribute('data-remark-open');
  await page.click(`[data-remark-open="${item}"]`);
  await page.fill(`[data-remark="${item}"]`, 'Проверьте время работы');
  await page.fill('[data-testid="review-comment"]', 'Уточните первый пункт');
  await page.screenshot({ path: join(SHOTS, 'review.png') });
  await page.click('[data-testid="return"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="log"] li').length === 2);
  const sup = await server.login('supervisor');
  const detail = (await server.api('GET', `/visits/${ids[0]}`, sup)).body;
  assert.equal(detail.state, 'returned');
  const log = (await server.api('GET', `/visits/${ids[0]}/log`, sup)).body;
  assert.equal(log[1].item_comments[item], 'Проверьте время работы');

  await toHome();
  await page.click('[data-testid="to-review"]');
  await page.click(`[data-visit="${ids[1]}"]`);
  await page.click('[data-testid="approve"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="log"] li').length === 2);
  assert.equal((await server.api('GET', `/visits/${ids[1]}`, sup)).body.state, 'approved');

  // The corrected visit of the earlier test: what the correction changed is marked.
  await page.click('header .ghost');
  await page.click('.chips button:last-child');
  await page.click(`[data-visit="${correctedId}"]`);
  await page.waitForSelector('[data-testid="changed-count"]');
  // The photo taken offline reached the server and shows in the visit under review: as a
  // JPEG, since the device stores every photo re-encoded (downscaled, without EXIF).
  await page.waitForSelector('[data-photo] img');
  assert.match(await page.getAttribute('[data-photo] img', 'src'), /^data:image\/jpeg;base64,/);
  assert.match(await page.textContent('[data-testid="visit-times"]'), /Начата: .* · Завершена: /);
  assert.match(await page.textContent('[data-testid="changed-count"]'), /: 1$/);
  assert.match(await page.textContent('li.changed[data-item="office.open-hours"] [data-testid="was"]'), /было: (Да|Нет)/);
});
