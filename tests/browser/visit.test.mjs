// An auditor completes a whole visit in the real web build at a phone viewport: answers
// survive a reload in the middle, and the score shown is the core's score.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHOTS, serveDist, phone, answerAllItems } from './harness.mjs';

let server, browser, page;
let errors = [];

before(async () => {
  server = await serveDist();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await server?.close();
});

// Each test is a new phone: a fresh browser profile, so nothing is left from another test.
beforeEach(async () => {
  let context;
  ({ browser, context } = await phone());
  page = await context.newPage();
  errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
});

afterEach(async () => {
  await browser?.close();
});

const saved = () => page.waitForSelector('[data-testid="save-state"].saved');
const answerSection = (n) => answerAllItems(page, n);

async function pressedValues() {
  return page.$$eval('article[data-item]', (cards) => Object.fromEntries(cards.map((c) => [
    c.dataset.item,
    c.querySelector('button[aria-pressed="true"]')?.dataset.value ?? c.querySelector('input[data-testid="number"]')?.value ?? null,
  ])));
}

test('a whole visit, with a reload in the middle, scores as the core does', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  assert.match(await page.textContent('h1'), /Контрольная закупка/, 'Russian is the default');
  await page.screenshot({ path: join(SHOTS, 'home-empty.png') });

  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', 'Клин');
  const offices = await page.$$('[data-office]');
  assert.ok(offices.length >= 1 && offices.length < 134, `search narrows the list (${offices.length})`);
  await offices[0].click();
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');

  const answers = {};
  let sections = 0;
  for (;;) {
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    Object.assign(answers, await answerSection(sections));
    if (sections === 0) await page.screenshot({ path: join(SHOTS, 'checklist.png') });
    if (sections === 1) {
      // Reload in the middle of the visit: the same section comes back with every answer.
      const before = await pressedValues();
      await page.reload();
      await page.waitForSelector('[data-testid="checklist"]');
      assert.equal(await page.getAttribute('[data-testid="checklist"]', 'data-section'), section);
      assert.deepEqual(await pressedValues(), before);
    }
    sections += 1;
    if (await page.$('[data-testid="next"]')) {
      await page.click('[data-testid="next"]');
      await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
    } else {
      await page.click('[data-testid="to-summary"]');
      break;
    }
  }
  assert.equal(sections, 5, 'five sections');

  await page.waitForSelector('[data-testid="summary"]');
  await page.waitForSelector('[data-testid="missing-none"]');
  const shown = Number(await page.getAttribute('[data-testid="total-score"]', 'data-score'));
  const core = JSON.parse(execFileSync('cargo', ['run', '-q', '-p', 'zakupka-core', '--example', 'score', '--', 'seeds/checklist.toml'],
    { cwd: ROOT, input: JSON.stringify(answers) }));
  assert.ok(Math.abs(shown - core.percent) < 1e-9, `shown ${shown}, core ${core.percent}`);
  const text = await page.textContent('[data-testid="total-score"] .value');
  assert.equal(text, `${core.percent.toFixed(1).replace('.', ',')} %`);
  const zeroed = core.sections.filter((s) => s.critical_failure).length;
  assert.equal((await page.$$('[data-testid="critical-failure"]')).length, zeroed, 'each zeroed section says so');
  await page.click('details[data-section] >> nth=0');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, 'summary.png') });

  // The printed report: every section open, no buttons, every item with its points.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('[data-testid="submit"]'), false);
  assert.equal(await page.isVisible('[data-testid="print"]'), false);
  const printed = await page.$$eval('.breakdown li', (l) => l.filter((x) => x.offsetParent !== null).length);
  assert.equal(printed, Object.keys(answers).length);
  // target/visit-report.pdf, beside the screenshots' folder.
  await page.pdf({ path: join(SHOTS, '..', 'visit-report.pdf'), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => window.scrollTo(0, 0));

  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  await saved();
  await page.reload();
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  assert.equal(await page.$('[data-testid="drafts"]'), null, 'the draft became a submitted visit');
  await page.screenshot({ path: join(SHOTS, 'home.png') });
  assert.deepEqual(errors, []);
});

test('the interface switches to English and back, and remembers it', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Mystery shopper');
  await saved();
  await page.reload();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Mystery shopper');
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Контрольная закупка');
});

test('nothing overflows a 360 px wide screen', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="start-visit"]');
  await page.waitForSelector('[data-testid="start"]');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `page is ${wide}px wide`);
  const small = await page.$$eval('button', (bs) => bs.filter((b) => b.offsetParent && b.getBoundingClientRect().height < 40).length);
  assert.equal(small, 0, 'every button is a comfortable touch target');
});
