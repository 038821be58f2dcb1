// Rank uncertainty on the rating screen (issue 12): each place shows its 90% interval as
// "3 (2–5)", and branches whose interval reaches first place are marked as not separable
// from the leader, on the demo's published quarters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer, toHome } from './harness.mjs';

let server, browser, context, page;

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('the rating shows each place with its interval and marks branches not separable from the leader', async () => {
  const sup = await server.login('supervisor');
  // The newest of the demo's published quarters with a branch the visits cannot tell from
  // its leader (each has intervals; two of the four have such a branch).
  const quarters = (await server.api('GET', '/rating/quarters', sup)).body.filter((q) => q.published);
  let last, marked;
  for (const q of quarters) {
    const truth = (await server.api('GET', `/rating?quarter=${q.quarter}`, sup)).body;
    const rows = truth.tables.flatMap((t) => t.rows);
    assert.ok(rows.length > 0 && rows.every((r) => r.interval), `every rated branch of ${q.quarter} has an interval`);
    marked = truth.tables.find((t) => t.rows.some((r) => r.interval.not_separable_from_leader));
    if (marked) { last = q.quarter; break; }
  }
  assert.ok(marked, 'a demo quarter has a branch that cannot be told from its leader');

  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', 'supervisor');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="to-review"]');
  await toHome(page, server.url);
  await page.click('[data-testid="to-rating"]');
  await page.click(`[data-quarter="${last}"]`);
  await page.waitForFunction(() => /^Опубликован/.test(document.querySelector('[data-testid="rating-status"]')?.textContent ?? ''));
  await page.click(`[data-league="${marked.league}"]`);
  await page.waitForFunction((first) => document.querySelector('[data-branch]')?.dataset.branch === first, marked.rows[0].branch_id);

  const shown = await page.$$eval('[data-branch]', (lis) => lis.map((li) => ({
    id: li.dataset.branch,
    placing: li.querySelector('[data-testid="placing"]').textContent.replace(/\s+/g, ' ').trim(),
    mark: li.querySelector('[data-testid="not-separable"]')?.textContent ?? null,
  })));
  const expected = marked.rows.map((r) => ({
    id: r.branch_id,
    placing: r.interval.low < r.interval.high ? `${r.place} (${r.interval.low}–${r.interval.high})` : `${r.place}`,
    mark: r.interval.not_separable_from_leader ? 'не отличить от лидера' : null,
  }));
  assert.deepEqual(shown, expected, 'places, intervals and marks as the server computed them');
  assert.ok(shown.some((r) => / \(\d+–\d+\)$/.test(r.placing)), 'some place is shown with its interval');
  assert.equal(shown.filter((r) => r.mark).length, marked.rows.filter((r) => r.interval.not_separable_from_leader).length);
  assert.match(await page.textContent('[data-testid="interval-note"]'), /90% интервал места/);
  // The interval and the mark fit a phone's row.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
  await page.screenshot({ path: join(SHOTS, 'rating-intervals-phone.png') });
});
