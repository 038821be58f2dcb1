// In English (issue 14): the page's language and title follow the switch, so a screen
// reader uses an English voice, and no Russian is shown outside data and text marked
// `lang="ru"` (office addresses, the switch back to «Русский»).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fillVisit, phone, serveDist, startVisit } from './harness.mjs';

let site, browser, page;

before(async () => {
  site = await serveDist();
  let context;
  ({ browser, context } = await phone());
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** Visible text with Cyrillic letters that no element marks as Russian. */
function unmarkedRussian() {
  return page.evaluate(() => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!/[\u0400-\u04FF]/.test(node.data) || !element?.checkVisibility()) continue;
      if (element.closest('[lang]')?.lang === 'ru') continue;
      found.push(node.data.trim());
    }
    return found;
  });
}

async function expectPage(screen, title) {
  await page.waitForFunction((t) => document.title === t, title, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', `${screen}: <html lang>`);
  assert.equal(await page.title(), title, `${screen}: the title`);
  assert.deepEqual(await unmarkedRussian(), [], `${screen}: no Russian shown unmarked`);
}

test('switched to English, the page says so and shows no unmarked Russian', async () => {
  await page.goto(site.url);
  await page.waitForSelector('[data-testid="home"]');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
  assert.equal(await page.title(), 'Главная — Закупка');

  await page.click('[data-testid="lang-switch"]');
  await page.waitForSelector('[data-testid="home"] h1:text("Mystery shopper")');
  await expectPage('home', 'Home — Zakupka');

  await startVisit(page, { office: 'Klin' });
  await expectPage('checklist', 'Checklist — Zakupka');
  await fillVisit(page, {
    each: async (n) => expectPage(`checklist, section ${n + 1}`, 'Checklist — Zakupka'),
  });
  await page.click('[data-testid="to-summary"]');
  await page.waitForSelector('[data-testid="summary"]');
  await expectPage('summary', 'Visit summary — Zakupka');

  await page.click('[data-testid="summary"] header .ghost');
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="start-visit"]');
  await page.waitForSelector('[data-testid="start"]');
  await page.fill('[data-testid="office-search"]', 'Klin');
  await page.waitForSelector('[data-office]');
  await expectPage('start', 'New visit — Zakupka');

  await page.click('[data-testid="start"] header .ghost');
  await page.click('[data-testid="to-account"]');
  await page.waitForSelector('[data-testid="account"]');
  await expectPage('account', 'Account — Zakupka');

  // And back: Russian again, with its own title.
  await page.click('[data-testid="account"] header .ghost');
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.documentElement.lang === 'ru');
  assert.equal(await page.title(), 'Главная — Закупка');
});
