// Calibration cases end to end: the auditor opens the demo's case (kept on the phone after
// sync), reads the situation above the checklist, answers it like a visit and submits it;
// the answer reaches the server as a case answer, and the supervisor's rating and queue do
// not change. The supervisor's assignment form pairs two auditors on one office.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { SHOTS, phone, startServer, answerAllItems, signIn, quarterOf } from './harness.mjs';

let server, auditor, sup;

before(async () => {
  server = await startServer();
  auditor = await phone();
  sup = await phone();
});
after(async () => {
  await auditor?.browser.close();
  await sup?.browser.close();
  server?.close();
});

test('an auditor answers a calibration case like a visit; the rating does not move', async () => {
  const token = await server.login('supervisor');
  const quarter = quarterOf(new Date());
  const ratingBefore = await server.api('GET', `/rating?quarter=${quarter}`, token);
  assert.equal(ratingBefore.status, 200);
  const queueBefore = (await server.api('GET', '/visits', token)).body;
  const cases = (await server.api('GET', '/cases', token)).body;
  assert.equal(cases.length, 1, 'the demo publishes one case');
  const [theCase] = cases;

  const page = await auditor.context.newPage();
  await signIn(page, server.url, 'auditor1');
  await page.click('[data-testid="to-cases"]');
  const row = `[data-testid="case-list"] [data-case="${theCase.id}"]`;
  await page.waitForSelector(row);
  assert.match(await page.textContent(row), /Начать/);
  await page.click(row);
  const situation = await page.waitForSelector('[data-testid="checklist"] [data-testid="case-situation"]');
  assert.match(await situation.textContent(), /шесть посетителей/, 'the scenario text stands above the checklist');
  assert.match(await page.textContent('[data-testid="checklist"] header'), new RegExp(theCase.title));
  await page.screenshot({ path: join(SHOTS, 'case-checklist.png') });
  for (let n = 0; ; n++) {
    await answerAllItems(page, n);
    if (!(await page.$('[data-testid="next"]'))) break;
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    await page.click('[data-testid="next"]');
    await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
    assert.ok(await page.$('[data-testid="case-situation"]'), 'every section shows the situation');
  }
  await page.click('[data-testid="to-summary"]');
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-sync="synced"]', { timeout: 60000 });
  const line = await page.textContent('[data-testid="submitted"] [data-sync="synced"]');
  assert.match(line, new RegExp(theCase.title), 'home names the case, not an office');

  // The server keeps it as a case answer: not in the queue, and no rating figure moves.
  const queueAfter = (await server.api('GET', '/visits', token)).body;
  assert.deepEqual(queueAfter, queueBefore);
  const ratingAfter = await server.api('GET', `/rating?quarter=${quarter}`, token);
  assert.deepEqual(ratingAfter.body, ratingBefore.body);
  await page.click('[data-testid="to-cases"]');
  await page.waitForSelector(row);
  assert.match(await page.textContent(row), /Отправлено/);
});

test('a supervisor pairs two auditors on one office; the auditor sees no partner', async () => {
  const page = await sup.context.newPage();
  await signIn(page, server.url, 'supervisor');
  await page.click('[data-testid="to-assign"]');
  await page.waitForSelector('[data-testid="assign-auditor"] option[value="auditor2"]', { state: 'attached' });
  await page.selectOption('[data-testid="assign-auditor"]', 'auditor1');
  await page.selectOption('[data-testid="assign-partner"]', 'auditor2');
  await page.click('[data-testid="assign-scenarios"] [data-scenario]');
  // A Kolomna office nobody is assigned to yet.
  const token = await server.login('supervisor');
  const taken = new Set((await server.api('GET', '/assignments', token)).body.map((a) => a.office_id));
  const office = ['kolomna-1', 'kolomna-2', 'kolomna-3'].find((o) => !taken.has(o));
  await page.fill('[data-testid="assign-office-search"]', 'Коломна');
  await page.click(`[data-testid="assign-offices"] [data-office="${office}"]`);
  // The window is the last week of the quarter by default: within seven days.
  await page.waitForSelector('[data-testid="assign-from"]');
  await page.click('[data-testid="assign-submit"]');
  await page.waitForSelector('[data-testid="assign-done"]');
  const list = (await server.api('GET', '/assignments', token)).body.filter((a) => a.office_id === office);
  assert.equal(list.length, 2);
  assert.ok(list[0].pair_id && list[0].pair_id === list[1].pair_id, JSON.stringify(list));
  await page.waitForSelector(`[data-testid="assignment-list"] [data-assignment="${list[0].id}"] [data-testid="paired"]`);
  const mine = (await server.api('GET', '/assignments', await server.login('auditor2'))).body.filter((a) => a.office_id === office);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].pair_id, undefined, 'the auditor is not told of a pair');
});

test('a case published with a photo shows the photo above the checklist', async (t) => {
  const token = await server.login('supervisor');
  const [demo] = (await server.api('GET', '/cases', token)).body;
  // A phone of its own: the first test's is signed in already.
  const fresh = await phone();
  t.after(() => fresh.browser.close());
  // A photo of the situation, drawn in the browser: a PNG the server recognises.
  const page = await fresh.context.newPage();
  const png = Buffer.from(await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#c03'; g.fillRect(0, 0, 64, 48);
    return c.toDataURL('image/png').split(',')[1];
  }), 'base64');
  const sha = createHash('sha256').update(png).digest('hex');
  const put = await fetch(`${server.url}api/v1/cases/photos/${sha}`, {
    method: 'PUT',
    headers: { 'x-zakupka-protocol': '1', 'content-type': 'image/png', authorization: `Bearer ${token}` },
    body: png,
  });
  assert.equal(put.status, 201);
  const published = await server.api('POST', '/cases', token, {
    title: 'Очередь у окна', text: 'Посмотрите на фото зала.', template_id: demo.template_id,
    template_version: demo.template_version, scenario: demo.scenario, photos: [sha], key: demo.key,
  });
  assert.equal(published.status, 201, JSON.stringify(published.body));

  await signIn(page, server.url, 'auditor2');
  await page.click('[data-testid="to-cases"]');
  await page.click(`[data-testid="case-list"] [data-case="${published.body.id}"]`);
  const img = await page.waitForSelector('[data-testid="case-situation"] [data-testid="case-photo"]');
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 64, img);
});
