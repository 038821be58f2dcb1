// Keyboard only (issue 14): a visit is started, answered section by section and submitted
// with Tab, Shift+Tab, Enter, Space and typing, no pointer. On the way: the focus goes to
// each new screen's and section's heading, every focused control shows a focus ring and is
// not hidden under the sticky header or the fixed «Далее» bar, and the confirmation dialog
// keeps the focus in and gives it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { phone, serveDist } from './harness.mjs';

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

/** What has the focus: its test id or tag, whether it shows a ring, whether a fixed or
 *  sticky bar covers it. */
function focused() {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    // The hidden file input of «Добавить фото» shows its ring on the label around it.
    const drawn = e.matches('.hidden-input') ? e.closest('label') : e;
    const style = getComputedStyle(drawn);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const r = drawn.getBoundingClientRect();
    let covered = null;
    for (const bar of document.querySelectorAll('.actions.nav, main > header.bar')) {
      if (bar.contains(e)) continue;
      const b = bar.getBoundingClientRect();
      if (r.top < b.bottom - 1 && r.bottom > b.top + 1) covered = bar.className;
    }
    return { tag: e.tagName, id: e.dataset.testid ?? null, text: e.textContent.trim().slice(0, 40), ring, covered,
      inDialog: !!e.closest('dialog[open]') };
  });
}

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`;
 *  every stop on the way must show its focus ring and not hide under a bar. */
async function tabTo(selector, { back = false, max = 250 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused();
    if (f && f.tag !== 'H1') {
      assert.ok(f.ring, `the focused ${f.tag} «${f.text}» (${f.id}) shows a focus ring`);
      assert.equal(f.covered, null, `the focused ${f.tag} «${f.text}» (${f.id}) is not under a bar`);
    }
    if (await page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function headingFocused() {
  return page.evaluate(() => document.activeElement?.tagName === 'H1' ? document.activeElement.textContent.trim() : null);
}

test('a visit is started, answered and submitted with the keyboard alone', async () => {
  await page.goto(site.url);
  await page.waitForSelector('[data-testid="home"]');

  await tabTo('[data-testid="start-visit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="start"]');
  assert.equal(await headingFocused(), 'Начать проверку', 'the new screen\'s heading has the focus');

  await tabTo('[data-testid="location-deny"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="location-question"]', { state: 'detached' });
  await tabTo('[data-testid="office-search"]', { back: true });
  await page.keyboard.type('Клин');
  await tabTo('[data-office]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-office][aria-pressed="true"]');
  await tabTo('[data-scenario]');
  await page.keyboard.press('Space');
  await page.waitForSelector('[data-scenario][aria-pressed="true"]');
  await tabTo('[data-testid="auditor"]');
  await page.keyboard.type('auditor1');
  await tabTo('[data-testid="begin"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="checklist"]');

  for (let n = 0; ; n++) {
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    const title = await page.textContent('[data-testid="section-title"]');
    assert.equal(await headingFocused(), title.trim(), `section ${n + 1}: its heading has the focus`);
    for (const id of await page.$$eval('article[data-item]', (cards) => cards.map((c) => c.dataset.item))) {
      const card = `article[data-item="${id}"]`;
      if (await page.$(`${card} button[data-value="yes"]`)) {
        await tabTo(`${card} button[data-value="yes"]`);
        await page.keyboard.press('Space');
      } else if (await page.$(`${card} button[data-value="4"]`)) {
        await tabTo(`${card} button[data-value="4"]`);
        await page.keyboard.press('Enter');
      } else if (await page.$(`${card} input[data-testid="number"]`)) {
        await tabTo(`${card} input[data-testid="number"]`);
        await page.keyboard.type('12');
        await page.keyboard.press('Tab');
      } else {
        await tabTo(`${card} button.answer.option`);
        await page.keyboard.press('Enter');
      }
      await page.waitForSelector(`${card}.answered`);
    }
    if (!(await page.$('[data-testid="next"]'))) break;
    await tabTo('[data-testid="next"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  }
  await tabTo('[data-testid="to-summary"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="summary"]');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.equal(await headingFocused(), 'Итоги проверки');
  await page.waitForSelector('[data-testid="missing-none"]');

  // The confirmation: the focus goes in, stays in, Escape closes it and gives it back.
  await tabTo('[data-testid="submit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog[open]');
  assert.ok((await focused()).inDialog, 'the dialog takes the focus');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    assert.ok((await focused())?.inDialog, `Tab ${i + 1} stays in the dialog`);
  }
  await page.keyboard.press('Shift+Tab');
  assert.ok((await focused())?.inDialog, 'Shift+Tab stays in the dialog');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog', { state: 'detached' });
  assert.equal((await focused())?.id, 'submit', 'closing gives the focus back to «Отправить проверку»');

  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog[open]');
  await tabTo('[data-testid="confirm-submit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  assert.equal(await headingFocused(), 'Контрольная закупка', 'home\'s heading has the focus');
});
