// A visit in review on a 360 x 740 phone, exceptions first: the score, the flags and the
// decision buttons in the first screen; the failed item first, under «Требуют внимания»;
// the checklist's sections folded; a remark box only where one is asked for; and on a
// keyboard, A approves, but not while typing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, phone, startServer } from './harness.mjs';

let server, browser, context, page, sup;

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
  page = await context.newPage();
  sup = await server.login('supervisor');
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh UUID v7, as a device makes one. */
function uuid7() {
  const ts = Date.now().toString(16).padStart(12, '0');
  const r = crypto.randomUUID().replace(/-/g, '');
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(13, 16)}-${'89ab'[parseInt(r[16], 16) & 3]}${r.slice(17, 20)}-${r.slice(20, 32)}`;
}

const FAILED = 'office.open-hours';

/** auditor1 sends a visit like one of the demo's, but every yes/no item answered yes except
 *  FAILED, answered no, without comments or photos: FAILED is the one item that lost points
 *  on a yes/no. Returns its id. */
async function sendVisitWithAFailure() {
  const waiting = (await server.api('GET', '/visits?state=submitted&auditor=auditor1', sup)).body.visits;
  assert.ok(waiting.length > 0, 'the demo has a visit of auditor1 waiting');
  const { visit } = (await server.api('GET', `/visits/${waiting[0].visit_id}`, sup)).body;
  visit.id = uuid7();
  visit.revision = 1;
  visit.comment = '';
  for (const [id, a] of Object.entries(visit.answers)) {
    a.comment = '';
    a.photos = [];
    if (a.value?.type === 'no' || a.value?.type === 'yes') a.value = { type: 'yes' };
    if (id === FAILED) a.value = { type: 'no' };
  }
  assert.ok(visit.answers[FAILED], `the demo's visit answers ${FAILED}`);
  const token = await server.login('auditor1');
  const pushed = await server.api('POST', '/push', token, { visits: [visit] });
  assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  assert.equal(pushed.body.results[0].status, 'accepted', JSON.stringify(pushed.body));
  return visit.id;
}

test('a visit in review on a phone: decide from the first screen, failures first, sections folded', async () => {
  const id = await sendVisitWithAFailure();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', 'supervisor');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.click('[data-testid="to-review"]');
  await page.click(`[data-testid="queue"] [data-visit="${id}"]`);
  await page.waitForSelector('[data-testid="review-score"]');
  await page.screenshot({ path: join(SHOTS, 'review-first-screen.png') });

  // The first screen, measured from the top of the page: score, flags and the three
  // decision buttons, whole and within 360 x 740.
  const scrolled = await page.evaluate(() => window.scrollY);
  for (const what of ['review-score', 'review-flags', 'approve', 'return', 'reject']) {
    const box = await page.locator(`[data-testid="${what}"]`).boundingBox();
    assert.ok(box, `${what} is shown`);
    assert.ok(box.y + scrolled >= 0 && box.y + scrolled + box.height <= 740, `${what} is in the first screen (${box.y + scrolled}+${box.height})`);
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `${what} fits the width`);
  }

  // The failed item first, under «Требуют внимания», saying why; the sections after it,
  // folded, each with its count, and without the items already shown above.
  const attention = page.locator('[data-testid="attention"]');
  assert.match(await attention.locator('summary').textContent(), /Требуют внимания \(\d+\)/);
  assert.equal(await attention.evaluate((d) => d.open), true, 'what needs attention is open');
  const failed = attention.locator(`li[data-item="${FAILED}"]`);
  assert.ok(await failed.isVisible(), 'the failed item is shown without a tap');
  assert.match(await failed.locator('[data-testid="why"]').textContent(), /потеряны баллы|критичный пункт не выполнен/);
  const order = await page.evaluate(() => {
    const a = document.querySelector('[data-testid="attention"]');
    return [...document.querySelectorAll('details[data-section]')].every(
      (s) => a.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(order, 'what needs attention comes before the sections');
  const sections = await page.$$eval('details[data-section]', (d) => d.map((s) => ({
    open: s.open, title: s.querySelector('summary').textContent, items: s.querySelectorAll('li[data-item]').length,
  })));
  assert.ok(sections.length >= 2, 'the checklist has sections');
  for (const s of sections) {
    assert.equal(s.open, false, `${s.title} is folded`);
    assert.match(s.title, new RegExp(`\\(${s.items}\\)`), `${s.title} counts its ${s.items} items`);
  }
  assert.equal(await page.locator(`details[data-section] li[data-item="${FAILED}"]`).count(), 0, 'shown once');
  const first = page.locator('details[data-section]').first();
  await first.locator('summary').click();
  assert.equal(await first.evaluate((d) => d.open), true, 'a tap opens a section');

  // No remark box until one is asked for; then it opens, focused, for that item alone.
  assert.equal(await page.locator('[data-remark]').count(), 0, 'no remark boxes open');
  await failed.locator(`[data-remark-open="${FAILED}"]`).click();
  const remark = page.locator(`[data-remark="${FAILED}"]`);
  await remark.waitFor();
  assert.equal(await page.locator('[data-remark]').count(), 1);

  // Typing an A into the remark or the comment decides nothing.
  await remark.click();
  await page.keyboard.type('Ash');
  await page.locator('[data-testid="review-comment"]').click();
  await page.keyboard.type('a');
  await page.waitForTimeout(700);
  assert.equal((await server.api('GET', `/visits/${id}`, sup)).body.state, 'submitted', 'letters typed are words, not decisions');
  assert.equal(await remark.inputValue(), 'Ash');
  await page.fill('[data-testid="review-comment"]', '');

  // Away from the text boxes, A approves (with the remark written).
  await page.locator('[data-testid="review-score"]').click();
  await page.keyboard.press('a');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="log"] li').length === 2);
  assert.equal((await server.api('GET', `/visits/${id}`, sup)).body.state, 'approved');
  const log = (await server.api('GET', `/visits/${id}/log`, sup)).body;
  assert.equal(log[1].item_comments[FAILED], 'Ash');
  assert.equal(await page.locator('[data-testid="approve"]').count(), 0, 'decided: no buttons left');
});

test('the decision keys show on the buttons at a desktop, not on a phone', async () => {
  const waiting = (await server.api('GET', '/visits?state=submitted', sup)).body.visits;
  await page.click('header .ghost');
  await page.click(`[data-testid="queue"] [data-visit="${waiting[0].visit_id}"]`);
  await page.waitForSelector('[data-testid="approve"]');
  assert.equal(await page.locator('[data-testid="approve"] kbd').isVisible(), false, 'no keys on a phone');

  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
  const p = await desktop.newPage();
  await p.goto(server.url);
  await p.click('[data-testid="to-account"]');
  await p.fill('[data-testid="login"]', 'supervisor');
  await p.fill('[data-testid="password"]', 'demo');
  await p.click('[data-testid="sign-in"]');
  await p.click('[data-testid="to-review"]');
  await p.click(`[data-testid="queue"] [data-visit="${waiting[0].visit_id}"]`);
  await p.waitForSelector('[data-testid="approve"] kbd');
  assert.equal(await p.locator('[data-testid="approve"] kbd').innerText(), 'A');
  assert.equal(await p.locator('[data-testid="return"] kbd').innerText(), 'R');
  assert.equal(await p.locator('[data-testid="approve"]').getAttribute('aria-keyshortcuts'), 'A');
  // R returns, and a return without a comment is refused as ever: the key went to the server.
  await p.keyboard.press('r');
  assert.match(await (await p.waitForSelector('[data-testid="review-error"]')).textContent(), /что исправить/);
  await desktop.close();
});
