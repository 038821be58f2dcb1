// A shared phone: one auditor makes a visit with a comment and a photo, sends it and signs
// out; the next one signs in on the same phone and sees nothing of the first one's visits,
// comments, photos or assignments. While the first one's visits are not sent, the app
// says so, refuses the other sign-in (no password leaves the phone) and keeps them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PNG, fillVisit, phone, startServer, startVisit, toHome } from './harness.mjs';

const COMMENT = 'Охранник сказал, что касса закрыта';

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

async function openSignIn() {
  await toHome(page, server.url);
  await page.click('[data-testid="to-account"]');
  await page.waitForSelector('[data-testid="sign-in"]');
}

async function signIn(login) {
  await openSignIn();
  await page.fill('[data-testid="login"]', login);
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');
}

async function signOut() {
  await page.click('[data-testid="sync-bar"] .who .ghost');
  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="sign-in"]');
}

/** Starts a visit and answers it in full, with a comment and a photo; returns its id. */
async function makeVisit(auditor) {
  await startVisit(page, { auditor });
  let commented = false;
  const photographed = await fillVisit(page, {
    photo: { name: 'desk.png', mimeType: 'image/png', buffer: PNG },
    each: async () => {
      const commentable = commented ? null : await page.$('article[data-item]:has(.tools button[aria-expanded])');
      if (commentable) {
        await (await commentable.$('.tools button[aria-expanded]')).click();
        await (await commentable.$('textarea.comment')).fill(COMMENT);
        commented = true;
      }
    },
  });
  assert.ok(commented && photographed, 'the checklist takes a comment and a photo');
  await page.waitForSelector('[data-testid="save-state"].saved');
  await page.click('[data-testid="to-summary"]');
}

async function submitVisit() {
  await page.click('[data-testid="submit"]');
  await page.click('[data-testid="confirm-submit"]');
  await page.waitForSelector('[data-testid="submitted"] [data-visit]');
  return page.getAttribute('[data-testid="submitted"] [data-visit]', 'data-visit');
}

/** An assignment for `auditor` this quarter at an office outside their branch; its id. */
async function assign(auditor) {
  const token = await server.login('supervisor');
  const now = new Date();
  const q = Math.floor(now.getUTCMonth() / 3) + 1;
  const quarter = `${now.getUTCFullYear()}-Q${q}`;
  const due = `${now.getUTCFullYear()}-${String(q * 3).padStart(2, '0')}-28`;
  const { directory } = (await server.api('GET', '/pull?cursor=0', token)).body;
  for (const office of directory.offices) {
    const made = await server.api('POST', '/assignments', token,
      { auditor, office_id: office.id, quarter, scenario: 'bill-explanation', due, note: 'Смотреть кассу' });
    if (made.status === 201) return made.body.assignment.id;
  }
  throw new Error('no office could be assigned');
}

test('the next user on a shared phone sees none of the previous user\'s visits, comments, photos or assignments', async () => {
  const assignment = await assign('auditor1');
  await signIn('auditor1');
  await page.waitForSelector(`[data-testid="assignments"] [data-assignment="${assignment}"]`);
  await makeVisit('auditor1');
  const visit = await submitVisit();
  await page.waitForSelector(`[data-visit="${visit}"][data-sync="synced"]`, { timeout: 60000 });
  await signOut();

  let logins = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/login')) logins++; });
  await signIn('auditor2');
  assert.equal(logins, 1);
  await page.waitForSelector('[data-testid="save-state"].saved');
  for (const reloaded of [false, true]) {
    if (reloaded) await toHome(page, server.url);
    assert.equal(await page.$(`[data-visit="${visit}"]`), null, 'the previous user\'s visit is gone');
    assert.equal(await page.$(`[data-assignment="${assignment}"]`), null, 'and their assignment');
    assert.ok(!(await page.textContent('body')).includes('Смотреть кассу'));
  }
  // Nothing of the visit can be reached by its address either: its screen is gone.
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  assert.ok(!(await page.content()).includes(COMMENT));
  assert.equal(await page.$('.photos img'), null);
  // The new user starts a visit of their own at once, from the checklist already on the phone.
  await page.click('[data-testid="start-visit"]');
  assert.equal(await page.inputValue('[data-testid="auditor"]'), '', 'the previous auditor\'s name is not offered');
  await page.click('header .ghost');
  // The visit stays on the server, where it belongs.
  const token = await server.login('supervisor');
  const onServer = (await server.api('GET', `/visits/${visit}`, token));
  assert.equal(onServer.status, 200);
});

test('unsent visits of the previous user refuse another sign-in and stay until they are sent', async () => {
  // auditor2 is signed in from the test before: a visit filled in but not submitted.
  await toHome(page, server.url);
  await makeVisit('auditor2');
  await page.click('header .ghost');
  await page.waitForSelector('[data-testid="drafts"] [data-visit]');
  const draft = await page.getAttribute('[data-testid="drafts"] [data-visit]', 'data-visit');
  await signOut();

  // The sign-in form says so before anyone types, and refuses without asking the server.
  const notice = await page.textContent('[data-testid="unsent-owner"]');
  assert.match(notice, /неотправленные проверки пользователя auditor2 \(1\)/);
  assert.match(notice, /Другой пользователь сможет войти, когда auditor2 войдёт и отправит их/);
  let logins = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/login')) logins++; });
  await page.fill('[data-testid="login"]', 'auditor1');
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  assert.match(await (await page.waitForSelector('[data-testid="login-error"]')).textContent(), /auditor2/);
  assert.equal(logins, 0, 'no password left the phone');
  await toHome(page, server.url);
  await page.waitForSelector('[data-testid="to-account"]');
  await page.waitForSelector(`[data-testid="drafts"] [data-visit="${draft}"]`);

  // The owner signs in again, finds the visit, submits it; once it is sent, the other may.
  await signIn('auditor2');
  await page.click(`[data-visit="${draft}"]`);
  await page.waitForSelector('[data-testid="checklist"]');
  await page.click('[data-testid="to-summary"]');
  const sent = await submitVisit();
  assert.equal(sent, draft);
  await page.waitForSelector(`[data-visit="${draft}"][data-sync="synced"]`, { timeout: 60000 });
  await signOut();
  assert.equal(await page.$('[data-testid="unsent-owner"]'), null);
  await signIn('auditor1');
  await page.waitForSelector('[data-testid="save-state"].saved');
  assert.equal(await page.$(`[data-visit="${draft}"]`), null);
});
