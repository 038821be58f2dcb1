// axe-core on every screen an auditor sees (issue 14), in the states that matter: signed
// out, a refused sign-in, signed in, the start screen with its location question, every
// section of the checklist, the summary with its confirmation open and once submitted, and
// the screens of a store that cannot open. Any violation of any impact fails. Also: each
// screen's title says where the user is, and the focus goes to its heading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { answerAllItems, corruptStore, expectAccessible, nextSection, phone, startServer } from './harness.mjs';

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

async function shows(screen, title) {
  await page.waitForFunction((t) => document.title === t, title, { timeout: 5000 })
    .catch(async () => assert.equal(await page.title(), title, `${screen}: the title`));
  await expectAccessible(page, screen);
}

test('every auditor screen passes axe and names itself', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await shows('home, signed out', 'Главная — Закупка');

  await page.click('[data-testid="to-account"]');
  await page.waitForSelector('[data-testid="account"]');
  await shows('account', 'Учётная запись — Закупка');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'the account screen\'s heading has the focus');
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'wrong');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="login-error"]');
  await shows('sign-in refused', 'Учётная запись — Закупка');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');
  await shows('home, signed in', 'Главная — Закупка');
  // The sync's end is said by the polite live region.
  await page.click('[data-testid="sync-now"]');
  await page.waitForFunction(() => /Синхронизация завершена/.test(document.querySelector('[data-testid="announcer"]')?.textContent ?? ''));

  await page.click('[data-testid="start-visit"]');
  await page.waitForSelector('[data-testid="location-question"]');
  await shows('start, location question', 'Новая проверка — Закупка');
  await page.click('[data-testid="location-deny"]');
  await page.fill('[data-testid="office-search"]', 'Клин');
  await page.click('[data-office]');
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await shows('start, filled', 'Новая проверка — Закупка');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');

  for (let n = 0; ; n++) {
    await shows(`checklist, section ${n + 1}, unanswered`, 'Проверка — Закупка');
    // Each item is a group named by its question.
    const unnamed = await page.$$eval('article[data-item]', (cards) => cards
      .filter((c) => {
        const group = c.querySelector(':scope > [role="group"]');
        return !group?.contains(c.querySelector('button, input'))
          || !document.getElementById(group.getAttribute('aria-labelledby'))?.textContent.trim();
      })
      .map((c) => c.dataset.item));
    assert.deepEqual(unnamed, [], 'every item is a group named by its question');
    // A comment box opened, to check it too.
    const comment = await page.$('article[data-item] .tools button[aria-expanded]');
    if (comment) await comment.click();
    await answerAllItems(page, n);
    await shows(`checklist, section ${n + 1}, answered`, 'Проверка — Закупка');
    if (!(await page.$('[data-testid="next"]'))) break;
    await nextSection(page);
  }
  await page.click('[data-testid="to-summary"]');
  await page.waitForSelector('[data-testid="summary"]');
  await shows('summary, draft', 'Итоги проверки — Закупка');
  await page.click('[data-testid="submit"]');
  await page.waitForSelector('dialog[open]');
  await shows('summary, confirm submit', 'Итоги проверки — Закупка');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  await page.click('[data-testid="submitted"] [data-visit]');
  await page.waitForSelector('[data-testid="submitted-note"]');
  await shows('summary, submitted', 'Итоги проверки — Закупка');
});

test('the screens of a store that cannot open pass axe too', async () => {
  // A browser profile of its own, signed out: no sync writes the store behind the test's back.
  const fresh = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ru-RU' });
  const first = await fresh.newPage();
  await first.goto(server.url);
  await first.waitForSelector('[data-testid="home"]');
  // A second tab of the same browser while the first holds the store.
  const other = await fresh.newPage();
  await other.goto(server.url);
  await other.waitForSelector('[data-testid="open-elsewhere"]');
  await other.waitForFunction(() => document.title.startsWith('Контрольная закупка уже открыта'));
  await expectAccessible(other, 'open elsewhere');
  await other.close();

  // A store whose pages are no database.
  await corruptStore(first, 'these bytes are not a database '.repeat(64));
  await first.reload();
  await first.waitForSelector('[data-testid="db-error"]');
  await first.waitForFunction(() => document.title === 'Не удалось открыть базу проверок — Закупка');
  await expectAccessible(first, 'database error');
  await fresh.close();
});
