// Every refusal the supervisor's screens can meet, provoked on the phone in the Russian
// interface: each is worded in Russian from the server's code, and none shows the server's
// English (its messages are for logs only). Sign-in lock-out, review decisions, assignments,
// publishing the running quarter, and a session ended elsewhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { phone, startServer, toHome as harnessToHome, quarterOf } from './harness.mjs';

let server, sup, page, supToken;
// The token the app itself signed in with, read from its requests, to end its session.
let appToken;

before(async () => {
  server = await startServer();
  sup = await phone();
  page = await sup.context.newPage();
  page.on('request', (r) => {
    const auth = r.headers().authorization;
    if (auth?.startsWith('Bearer ')) appToken = auth.slice('Bearer '.length);
  });
  supToken = await server.login('supervisor');
});
after(async () => {
  await sup?.browser.close();
  server?.close();
});

// What each refusal says, worded from the server's code: the exact refusal, not a
// generic one.
const SAID = {
  'locked out': /Слишком много попыток/,
  'return without a comment': /что исправить/,
  'reject without a reason': /причину отклонения/,
  'a remark too long': /Слишком длинный текст.*замечание к пункту/,
  'a comment too long': /Слишком длинный текст.*комментарий/,
  'already decided': /уже принято/,
  'own branch': /своё управление проверять нельзя/,
  'due outside the quarter': /внутри выбранного квартала/,
  'due passed': /срок уже прошёл/,
  'a duplicate': /уже есть задание/,
  'cancelled meanwhile': /этого нет/,
  'not ended': /ещё не закончился/,
  'signed out elsewhere': /Войдите снова/,
};

/** A message in Russian with no English word in it, saying what `SAID` expects; `typed`
 *  are names the test itself typed or chose, which may show in the message as they are. */
function assertRussian(text, what, typed = []) {
  let rest = text ?? '';
  for (const t of typed) rest = rest.split(t).join(' ');
  assert.match(rest, /[А-Яа-яЁё]{3,}/, `${what}: a message in Russian, got «${text}»`);
  assert.doesNotMatch(rest, /[A-Za-z]{3,}/, `${what}: no English in «${text}»`);
  assert.match(text, SAID[what], `${what}: worded from its code, got «${text}»`);
}

/** Runs `action`, waits for the app's request it makes to be refused, and returns the text
 *  of `selector` once the app has shown the refusal. `body` picks the request by its JSON
 *  body where the form sends several as it is filled in. */
async function refusal(what, { method = 'POST', url, selector, body = () => true, status }, action) {
  const ours = (r) => r.request().method() === method && url.test(new URL(r.url()).pathname)
    && body(JSON.parse(r.request().postData() || 'null'));
  const [response] = await Promise.all([page.waitForResponse(ours, { timeout: 20000 }), action()]);
  assert.ok(response.status() >= 400, `${what}: refused by the server (${response.status()})`);
  if (status) assert.equal(response.status(), status, what);
  // Two frames: the app handles the answer and renders it.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const shown = await page.waitForSelector(selector, { timeout: 10000 });
  const text = (await shown.textContent()).trim();
  console.log(`${what}: ${response.status()} → ${text}`);
  return text;
}

const toHome = () => harnessToHome(page, server.url);

function quarterStart(q) {
  const [y, n] = q.split('-Q').map(Number);
  return new Date(Date.UTC(y, (n - 1) * 3, 1));
}

const day = (d) => d.toISOString().slice(0, 10);
const thisQuarter = quarterOf(new Date());

test('signing in: too many wrong passwords is said in Russian', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', 'auditor2');
  await page.fill('[data-testid="password"]', 'wrong');
  // Eight failures lock auditor2 out for 8 s (1, 2 and 4 s after the fifth, sixth and
  // seventh, waited out here); made through the API, to be quick.
  for (let failed = 0; failed < 8;) {
    const r = await server.api('POST', '/login', null, { login: 'auditor2', password: 'wrong', device_id: '0190a000-0000-7000-8000-000000000002' });
    if (r.status === 401) failed++;
    else await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const text = await refusal('locked out', { url: /\/api\/v1\/login$/, selector: '[data-testid="login-error"]', status: 429 },
    () => page.click('[data-testid="sign-in"]'));
  assertRussian(text, 'locked out');

  await page.fill('[data-testid="login"]', 'supervisor');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="to-review"]');
});

/** «Отклонить», then the dialog's «Отклонить». */
async function reject() {
  await page.click('[data-testid="reject"]');
  await page.click('[data-testid="confirm-reject"]');
}

test('review: return and reject without words, over-long remarks, a visit decided meanwhile', async () => {
  await page.click('[data-testid="to-review"]');
  await page.waitForSelector('[data-testid="queue"] [data-state="submitted"]');
  const id = await page.getAttribute('[data-testid="queue"] [data-state="submitted"]', 'data-visit');
  await page.click(`[data-visit="${id}"]`);
  await page.waitForSelector('[data-testid="review-score"]');
  const decide = { url: new RegExp(`/visits/${id}/review$`), selector: '[data-testid="review-error"]' };

  assertRussian(await refusal('return without a comment', decide, () => page.click('[data-testid="return"]')), 'return without a comment');
  // Rejecting is asked once more in a dialog that holds the focus; Escape leaves it, back
  // on «Отклонить», with nothing sent.
  let sent = 0;
  const count = (req) => { if (decide.url.test(req.url())) sent += 1; };
  page.on('request', count);
  await page.click('[data-testid="reject"]');
  await page.waitForSelector('#confirm-reject-dialog');
  assert.ok(await page.evaluate(() => document.getElementById('confirm-reject-dialog').contains(document.activeElement)), 'the focus is in the dialog');
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.getElementById('confirm-reject-dialog').contains(document.activeElement)), 'Tab stays in the dialog');
  }
  await page.keyboard.press('Escape');
  await page.waitForSelector('#confirm-reject-dialog', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'reject', 'the focus is back on «Отклонить»');
  page.off('request', count);
  assert.equal(sent, 0, 'nothing sent without the confirmation');
  assertRussian(await refusal('reject without a reason', decide, reject), 'reject without a reason');

  // A remark box opens on tap, here in the first section.
  await page.click('details[data-section] summary');
  const item = await page.locator('[data-remark-open]:visible').first().getAttribute('data-remark-open');
  await page.click(`[data-remark-open="${item}"]`);
  await page.fill(`[data-remark="${item}"]`, 'я'.repeat(4001));
  await page.fill('[data-testid="review-comment"]', 'Уточните ответы');
  assertRussian(await refusal('a remark too long', decide, () => page.click('[data-testid="return"]')), 'a remark too long');
  await page.fill(`[data-remark="${item}"]`, '');
  await page.fill('[data-testid="review-comment"]', 'я'.repeat(4001));
  assertRussian(await refusal('a comment too long', decide, reject), 'a comment too long');

  // Another supervisor decides it first (here through the API); this screen still offers it.
  const approved = await server.api('POST', `/visits/${id}/review`, supToken, { decision: 'approve', revision: 1 });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await page.fill('[data-testid="review-comment"]', 'Нет фото стенда');
  assertRussian(await refusal('already decided', decide, reject), 'already decided');
});

let office, officeName;

test('assignments: own branch, due outside the quarter or passed, a duplicate, one cancelled meanwhile', async () => {
  await toHome();
  await page.click('[data-testid="to-assign"]');
  await page.waitForSelector('[data-testid="assign-auditor"] option[value="auditor1"]', { state: 'attached' });
  const dryRun = { url: /\/api\/v1\/assignments$/, selector: '[data-testid="assign-refusal"]' };

  // auditor1 works for Podolsk: the form refuses a Podolsk office.
  await page.selectOption('[data-testid="assign-auditor"]', 'auditor1');
  await page.click('[data-testid="assign-scenarios"] [data-scenario]');
  await page.fill('[data-testid="assign-office-search"]', 'Подольск');
  await page.click('[data-testid="assign-offices"] [data-office]');
  assertRussian(await (await page.waitForSelector('[data-testid="assign-refusal"]')).textContent(), 'own branch');

  // auditor2 (Balashikha) at a Klin office: fine, until the due date is wrong.
  await page.selectOption('[data-testid="assign-auditor"]', 'auditor2');
  await page.fill('[data-testid="assign-office-search"]', 'Клин');
  office = await page.getAttribute('[data-testid="assign-offices"] [data-office]', 'data-office');
  officeName = (await page.textContent(`[data-testid="assign-offices"] [data-office="${office}"] .title`)).trim();
  await page.click(`[data-testid="assign-offices"] [data-office="${office}"]`);
  await page.waitForSelector('[data-testid="assign-submit"]:not([disabled])');
  const start = quarterStart(thisQuarter);
  const nextStart = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 3, 1));
  const lastDay = day(new Date(nextStart.getTime() - 86400000));
  const outside = day(new Date(nextStart.getTime() + 10 * 86400000));
  assertRussian(await refusal('due outside the quarter', { ...dryRun, body: (b) => b.due === outside }, () => page.fill('[data-testid="assign-due"]', outside)),
    'due outside the quarter', [officeName]);
  const yesterday = new Date(Date.now() - 86400000);
  if (quarterOf(yesterday) === thisQuarter) {
    assertRussian(await refusal('due passed', { ...dryRun, body: (b) => b.due === day(yesterday) }, () => page.fill('[data-testid="assign-due"]', day(yesterday))),
      'due passed', [officeName]);
  } else {
    console.log('due passed: not tried, today is the first day of the quarter');
  }
  await page.fill('[data-testid="assign-due"]', lastDay);
  await page.waitForSelector('[data-testid="assign-submit"]:not([disabled])');

  // The same assignment made meanwhile elsewhere: the form's is a duplicate.
  const made = await server.api('POST', '/assignments', supToken,
    { auditor: 'auditor2', office_id: office, quarter: thisQuarter, scenario: 'bill-explanation', due: lastDay });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assertRussian(await refusal('a duplicate', { url: /\/api\/v1\/assignments$/, selector: '[data-testid="assign-error"]', body: (b) => !b.dry_run },
    () => page.click('[data-testid="assign-submit"]')), 'a duplicate', [officeName]);

  // Cancelled meanwhile elsewhere, then cancelled here.
  await toHome();
  await page.click('[data-testid="to-assign"]');
  const line = `[data-testid="assignment-list"] [data-assignment="${made.body.assignment.id}"]`;
  await page.waitForSelector(line);
  assert.equal((await server.api('DELETE', `/assignments/${made.body.assignment.id}`, supToken)).status, 204);
  assertRussian(await refusal('cancelled meanwhile', { method: 'DELETE', url: /\/api\/v1\/assignments\//, selector: `${line} [data-testid="cancel-error"]` },
    () => page.click(`${line} [data-testid="cancel-assignment"]`)), 'cancelled meanwhile', [officeName]);
});

test('rating: only the admin may publish, and not the quarter still running', async () => {
  // A visit approved this quarter makes its live rating.
  const waiting = (await server.api('GET', '/visits?state=submitted', supToken)).body.visits;
  assert.equal((await server.api('POST', `/visits/${waiting[0].visit_id}/review`, supToken, { decision: 'approve', revision: waiting[0].revision })).status, 200);
  await toHome();
  await page.click('[data-testid="to-rating"]');
  await page.click(`[data-quarter="${thisQuarter}"]`);
  await page.waitForFunction(() => /^Не опубликован/.test(document.querySelector('[data-testid="rating-status"]')?.textContent ?? ''));
  assert.equal(await page.$('[data-testid="publish"]'), null, 'a supervisor is offered no publishing');

  // The admin, on a phone of their own, asks to publish the running quarter: the preview
  // comes first, and is refused. (Before issue 11 any supervisor published it at once, and
  // assigning in it was then refused as «уже опубликован»: that can no longer happen.)
  const admin = await phone();
  const supervisorPage = page;
  try {
    page = await admin.context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="home"]');
    await page.click('[data-testid="to-account"]');
    await page.fill('[data-testid="login"]', 'admin');
    await page.fill('[data-testid="password"]', 'demo');
    await page.click('[data-testid="sign-in"]');
    await page.waitForSelector('[data-testid="to-review"]');
    await toHome();
    await page.click('[data-testid="to-rating"]');
    await page.click(`[data-quarter="${thisQuarter}"]`);
    assertRussian(await refusal('not ended', { method: 'GET', url: /\/publish$/, selector: '[data-testid="publish-error"]', status: 409 },
      () => page.click('[data-testid="publish"]')), 'not ended');
    assert.equal(await page.$('[data-testid="publish-confirm"]'), null, 'nothing to confirm');
  } finally {
    page = supervisorPage;
    await admin.browser.close();
  }
});

test('a session ended elsewhere: the next request says to sign in again', async () => {
  await toHome();
  await page.click('[data-testid="to-review"]');
  await page.waitForSelector('[data-testid="queue"]');
  assert.ok(appToken, "the app's token was seen on its requests");
  assert.equal((await server.api('POST', '/logout', appToken)).status, 204);
  const text = await refusal('signed out elsewhere', { method: 'GET', url: /\/api\/v1\/visits$/, selector: '[data-testid="queue-error"]' },
    () => page.click('.chips button:last-child'));
  assertRussian(text, 'signed out elsewhere');
});
