// The screens of supervisors, admins and managers as a screen reader and a keyboard meet
// them (issue 14): axe-core finds no violation of WCAG 2.x A/AA or best practice on any of
// them, for each role that sees it; chips say which one is chosen, the queue's search box
// and the review's remark boxes have names, charts come with their figures as a table; and
// a supervisor approves a submitted visit, with a remark, from the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { phone, startServer, signIn, backToHome, expectAccessible } from './harness.mjs';

let server, sup;
const browsers = [];

before(async () => {
  server = await startServer();
  sup = await server.login('supervisor');
});
after(async () => {
  for (const b of browsers) await b.close();
  server?.close();
});

/** A page on a phone of its own: the app runs in one tab of a profile at a time. */
async function newPage() {
  const { browser, context } = await phone();
  browsers.push(browser);
  return context.newPage();
}

/** Waits for `selector`, then runs axe on the page as it is and measures every control
 *  shown: none smaller than 44 x 44 px. */
async function check(page, selector, screen) {
  await page.waitForSelector(selector);
  await expectAccessible(page, screen);
  const small = await page.$$eval('button, input, select, textarea, summary, a[href], [tabindex="0"]', (els) => els
    .filter((e) => e.offsetParent !== null && !e.closest('.sr-only'))
    // A file input is hidden in the label the user taps: the label is the target.
    .map((e) => (e.matches('input[type="file"]') && e.closest('label')) || e)
    .map((e) => ({ e: e.outerHTML.slice(0, 80), b: e.getBoundingClientRect() }))
    .filter(({ b }) => b.width < 44 || b.height < 44)
    .map(({ e, b }) => `${e} (${Math.round(b.width)} x ${Math.round(b.height)})`));
  assert.deepEqual(small, [], `controls under 44 x 44 px on «${screen}»`);
}

/** A fresh UUID v7, as a device makes one. */
function uuid7() {
  const ts = Date.now().toString(16).padStart(12, '0');
  const r = crypto.randomUUID().replace(/-/g, '');
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(13, 16)}-${'89ab'[parseInt(r[16], 16) & 3]}${r.slice(17, 20)}-${r.slice(20, 32)}`;
}

/** auditor1 sends a copy of one of the demo's waiting visits, every yes/no answered yes
 *  but `failed`, answered no, so that one item needs attention; returns the visit's id. */
async function sendVisitFailing(failed) {
  const waiting = (await server.api('GET', '/visits?state=submitted&auditor=auditor1', sup)).body.visits;
  const { visit } = (await server.api('GET', `/visits/${waiting[0].visit_id}`, sup)).body;
  Object.assign(visit, { id: uuid7(), revision: 1, comment: '' });
  for (const [id, a] of Object.entries(visit.answers)) {
    Object.assign(a, { comment: '', photos: [] });
    if (a.value?.type === 'no' || a.value?.type === 'yes') a.value = { type: id === failed ? 'no' : 'yes' };
  }
  const pushed = await server.api('POST', '/push', await server.login('auditor1'), { visits: [visit] });
  assert.equal(pushed.body?.results?.[0]?.status, 'accepted', JSON.stringify(pushed.body));
  return visit.id;
}

test('a supervisor\'s screens: no axe violation, chips with their state, named boxes, charts as tables', async () => {
  const page = await newPage();
  await signIn(page, server.url, 'supervisor');

  // The queue: its filter chips are toggles that say which is on; the search box is named.
  await page.click('[data-testid="to-review"]');
  await check(page, '[data-testid="queue"] [data-visit]', 'очередь проверок');
  const chips = page.locator('[data-testid="review-queue"] .chips button');
  assert.deepEqual(await chips.evaluateAll((b) => b.map((e) => e.getAttribute('aria-pressed'))),
    ['true', 'false', 'false', 'false', 'false'], 'the chosen filter is pressed, the others not');
  await chips.nth(4).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="review-queue"] .chips button[aria-pressed="true"]')[0]
    ?.textContent === 'все');
  assert.equal(await page.getByRole('searchbox', { name: 'Офис или проверяющий', exact: true }).getAttribute('data-testid'), 'filter-text');
  await page.click('[data-testid="auditor-flags"] summary');
  await check(page, '[data-testid="auditor-flags"] table th', 'очередь проверок, доли отметок');

  // A visit in review: one h1, the office; a remark box opened from the keyboard's point
  // of view takes the focus and is named by its item.
  const id = await sendVisitFailing('office.open-hours');
  await chips.nth(0).click();
  await page.click(`[data-testid="queue"] [data-visit="${id}"]`);
  await check(page, '[data-testid="review-score"]', 'проверка на решении');
  assert.equal(await page.locator('h1').count(), 1);
  const item = page.locator('[data-testid="attention"] li[data-item="office.open-hours"]');
  const label = (await item.locator('.title').textContent()).trim();
  await item.locator('[data-remark-open]').click();
  await page.waitForFunction(() => document.activeElement?.dataset.remark === 'office.open-hours');
  assert.equal(await page.getByRole('textbox', { name: `Замечание: ${label}`, exact: true }).getAttribute('data-remark'), 'office.open-hours');
  await expectAccessible(page, 'проверка на решении, замечание открыто');

  // The rating, a branch explained with its trend; calibration; the charts.
  await page.click('header .ghost');
  await backToHome(page);
  await page.click('[data-testid="to-rating"]');
  await check(page, '[data-testid="rating-status"]', 'рейтинг');
  // At 360 x 740 the ways on (calibration, appeals, charts) are all on the screen.
  await page.setViewportSize({ width: 360, height: 740 });
  for (const to of ['to-calibration', 'to-appeals', 'to-charts']) {
    const b = await page.locator(`[data-testid="${to}"]`).boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= 360 && b.y + b.height <= 740, `${to} is within 360 x 740 (${JSON.stringify(b)})`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  // A published quarter, where branches have places.
  await page.click('[data-testid="quarters"] button:not(:has(.sr-only))');
  await page.waitForSelector('[data-testid="places"] li');
  assert.equal(await page.locator('[data-testid="quarters"] [aria-pressed="true"]').count(), 1, 'one quarter chosen');
  assert.equal(await page.getAttribute('[data-testid="quarters"] button:not(:has(.sr-only))', 'aria-pressed'), 'true');
  await expectAccessible(page, 'рейтинг, опубликованный квартал');
  // The league tabs: one Tab stop, the arrows move between them, the panel follows.
  assert.deepEqual(await page.$$eval('[role="tab"]', (t) => t.map((e) => e.tabIndex)), [0, -1]);
  await page.focus('[data-league="large"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.activeElement?.dataset.league === 'small'
    && document.activeElement.getAttribute('aria-selected') === 'true');
  assert.equal(await page.getAttribute('[role="tabpanel"]', 'aria-labelledby'), await page.getAttribute('[data-league="small"]', 'id'));
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.activeElement?.dataset.league === 'large');
  await page.click('[data-testid="places"] li button');
  await check(page, '[data-testid="explain"]', 'рейтинг, филиал');
  await page.click('[data-testid="to-calibration"]');
  await check(page, '[data-testid="calibration-basis"]', 'калибровка');
  await page.click('header .ghost');
  await page.click('[data-testid="to-charts"]');
  await page.waitForSelector('[data-testid="pareto"] g[data-item]');
  const chart = page.locator('[data-testid="pareto"]');
  await chart.locator('summary').click();
  const bars = await chart.locator('g[data-item]').count();
  assert.equal(await chart.locator('table tbody tr').count(), bars, 'a row of the table for each bar');
  assert.equal(await chart.locator('svg').getAttribute('aria-describedby'), 'pareto-hint');
  await expectAccessible(page, 'графики');
  await page.click('header .ghost');
  await page.click('[data-testid="to-appeals"]');
  await check(page, '[data-testid="appeals"]', 'апелляции (решения)');

  // Assignments: the scenario chips say which is chosen.
  await backToHome(page);
  await page.click('[data-testid="to-assign"]');
  await check(page, '[data-testid="assign-scenarios"] [data-scenario]', 'задания');
  await page.click('[data-testid="assign-scenarios"] [data-scenario]');
  assert.equal(await page.getAttribute('[data-testid="assign-scenarios"] [data-scenario]', 'aria-pressed'), 'true');
  await expectAccessible(page, 'задания, сценарий выбран');
  // An office chosen from the search with the keyboard: its button goes with the list, the
  // focus comes back to the search box and the choice is a status.
  await page.focus('[data-testid="assign-office-search"]');
  await page.keyboard.type('Клин');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement?.matches('[data-testid="assign-offices"] [data-office]')));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'assign-office-search');
  assert.equal(await page.getAttribute('[data-testid="assign-office"]', 'role'), 'status');

  // The board of fixes to verify, a fix, the inbox.
  await backToHome(page);
  await page.click('[data-testid="to-actions-board"]');
  await check(page, '[data-testid="actions-board"] [data-action]', 'на проверку');
  await page.click('[data-testid="actions-board"] [data-action]');
  await check(page, '[data-testid="verify-form"]', 'недочёт на проверке');
  await backToHome(page);
  await page.click('[data-testid="to-inbox"]');
  await check(page, '[data-testid="inbox"]', 'уведомления');
});

test('an admin\'s rating: the unpublished quarter said in words, the publication refused aloud', async () => {
  const page = await newPage();
  await signIn(page, server.url, 'admin');
  await page.click('[data-testid="to-rating"]');
  await page.waitForSelector('[data-testid="rating-status"]');
  // The newest quarter is not published yet: the star says so in words as well.
  const unpublished = page.locator('[data-testid="quarters"] button:has(.sr-only)');
  assert.match(await unpublished.first().textContent(), /не опубликован/);
  // The demo's only unpublished quarter is the running one: the server refuses its
  // preview, and the refusal is an alert.
  await page.click('[data-testid="publish"]');
  await check(page, '[data-testid="publish-error"][role="alert"]', 'публикация рейтинга');
});

test('a manager\'s screens: no axe violation', async () => {
  const page = await newPage();
  await signIn(page, server.url, 'manager');
  await page.waitForSelector('[data-testid="actions"] [data-action]');
  await page.click('[data-testid="actions"] [data-action][data-state="open"], [data-testid="actions"] [data-action]');
  await check(page, '[data-testid="action"] h1', 'недочёт');
  await backToHome(page);
  await page.click('[data-testid="to-rating"]');
  await check(page, '[data-testid="rating-status"]', 'рейтинг (руководитель)');
  await page.click('[data-testid="to-appeals"]');
  await check(page, '[data-testid="appeals"] [data-appeal]', 'мои апелляции');
  // The form of a new appeal, for the visit of the demo's appeals.
  const appealed = (await server.api('GET', '/appeals', await server.login('manager'))).body[0].visit_id;
  await page.fill('[data-testid="appeal-visit"]', appealed);
  await page.click('[data-testid="appeal-open-form"]');
  await check(page, '[data-testid="appeal-send"]', 'новая апелляция');
  await backToHome(page);
  await page.click('[data-testid="to-cases"]');
  await check(page, '[data-testid="cases"]', 'калибровочные случаи');
  await backToHome(page);
  await page.click('[data-testid="to-inbox"]');
  await check(page, '[data-testid="inbox"]', 'уведомления (руководитель)');
  // An unread notification says so in words, not by bold type alone.
  const unread = page.locator('[data-notification][data-read="false"]');
  if (await unread.count()) assert.match(await unread.first().textContent(), /не прочитано/);
});

/** Presses Tab (Shift+Tab with `back`) until the focus is on an element matching
 *  `selector`; fails after `max` presses. */
async function tabTo(page, selector, { max = 250, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`the keyboard never reached ${selector} in ${max} presses`);
}

test('keyboard only: a supervisor signs in, opens a submitted visit, writes a remark and approves it', async () => {
  const id = await sendVisitFailing('office.signage');
  const page = await newPage();
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  // No click, tap or fill from here: Tab, Enter and typing only.
  await tabTo(page, '[data-testid="to-account"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="login"]');
  await tabTo(page, '[data-testid="login"]');
  await page.keyboard.type('supervisor');
  await tabTo(page, '[data-testid="password"]');
  await page.keyboard.type('demo');
  await tabTo(page, '[data-testid="sign-in"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');
  await tabTo(page, '[data-testid="to-review"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`[data-testid="queue"] [data-visit="${id}"]`);
  await tabTo(page, `[data-testid="queue"] [data-visit="${id}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="review-score"]');

  // The remark button opens the box and the focus goes into it.
  await tabTo(page, '[data-remark-open="office.signage"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.dataset.remark === 'office.signage');
  await page.keyboard.type('Вывеска в порядке, уточнить');
  // Back up to the decision buttons above the list, and approve with Enter.
  await tabTo(page, '[data-testid="approve"]', { back: true });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('[data-testid="approve"]'));
  const detail = (await server.api('GET', `/visits/${id}`, sup)).body;
  assert.equal(detail.state, 'approved');
  const log = (await server.api('GET', `/visits/${id}/log`, sup)).body;
  assert.equal(log.at(-1).item_comments['office.signage'], 'Вывеска в порядке, уточнить');
  // The buttons are gone; the focus is on the screen's heading, not lost to the page.
  await page.waitForFunction(() => document.activeElement?.matches('[data-testid="review-title"]'));
  // And the live region says what became of the visit.
  await page.waitForFunction(() => /принята/.test(document.querySelector('[data-testid="announcer"]')?.textContent ?? ''));
});

/** Text on the page in Cyrillic that is neither marked `lang="ru"` nor data (what people
 *  wrote, which answers hold), nor inside a chart's drawing (an image to screen readers,
 *  its figures in the table beside it). */
async function russianOutsideData(page) {
  return page.evaluate(() => {
    const data = 'li[data-item] .answer, g[data-item] text, [lang="ru"]';
    const out = [];
    const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    for (let n; (n = walk.nextNode());) {
      if (/[А-Яа-яЁё]/.test(n.textContent) && !n.parentElement.closest(data)) out.push(n.textContent.trim());
    }
    for (const e of document.querySelectorAll('main [aria-label], main [placeholder], main [title]')) {
      for (const a of ['aria-label', 'placeholder', 'title']) {
        if (/[А-Яа-яЁё]/.test(e.getAttribute(a) ?? '') && !e.closest(data)) out.push(`${a}=${e.getAttribute(a)}`);
      }
    }
    return out;
  });
}

test('in English, the supervisor\'s screens show no Russian outside data, and pass axe', async () => {
  const page = await newPage();
  await signIn(page, server.url, 'supervisor');
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  const go = (...ids) => async () => { for (const id of ids) await page.click(`[data-testid="${id}"]`); };
  const home = async () => backToHome(page);
  const screens = [
    [go('to-review'), '[data-testid="queue"] [data-visit]', 'review queue'],
    [() => page.click('[data-testid="queue"] [data-visit]'), '[data-testid="review-flags"]', 'visit in review'],
    [async () => { await page.click('header .ghost'); await home(); await go('to-rating')(); }, '[data-testid="rating-status"]', 'rating'],
    [go('to-calibration'), '[data-testid="calibration-basis"]', 'calibration'],
    [async () => { await page.click('header .ghost'); await go('to-charts')(); }, '[data-testid="pareto"] g[data-item]', 'charts'],
    [async () => { await home(); await go('to-assign')(); }, '[data-testid="assign-scenarios"] [data-scenario]', 'assignments'],
    [async () => { await home(); await go('to-actions-board')(); }, '[data-testid="actions-board"] [data-action]', 'to verify'],
    [async () => { await home(); await go('to-inbox')(); }, '[data-testid="inbox"]', 'inbox'],
  ];
  for (const [open, ready, screen] of screens) {
    await open();
    await page.waitForSelector(ready);
    // Whatever the screen fetches has come: its text is what stays.
    await page.waitForLoadState('networkidle');
    await expectAccessible(page, `${screen} (en)`);
    assert.deepEqual(await russianOutsideData(page), [], `no Russian words on «${screen}» in English`);
  }
});
