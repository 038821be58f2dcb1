// From findings to fixes, end to end on phones: a visit with three failed items is
// approved; the branch's manager sees three actions and nowhere the auditor's login (not on
// the page, not in any answer the page received); plans one, closes it offline with a
// photo, and it syncs when the network is back; a supervisor verifies it on the board «На
// проверку»; the auditor's next visit to the office marks the item «Перепроверить», and its
// answer, once approved, confirms the fix on the manager's action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, PNG, phone, startServer, signIn, quarterOf, fillVisit } from './harness.mjs';

const OFFICE = 'serpukhov-2';
const FAILED = ['office.open-hours', 'office.signage', 'standards.wait-time'];
const FIXED = 'office.signage';
// The best option of each choice item of the seeds' checklist.
const BEST_CHOICE = { 'standards.confirmation': 'document', 'competence.resolution': 'fully', 'speech.filler-words': 'none' };

let server, sup, phones = [];

before(async () => {
  server = await startServer();
  sup = await server.login('supervisor');
});
after(async () => {
  for (const p of phones) await p.browser.close();
  server?.close();
});

async function newPhone() {
  const p = await phone();
  phones.push(p);
  await p.context.newPage();
  return { ...p, page: p.context.pages()[0] };
}

/** A fresh UUID v7, as a device makes one. */
function uuid7() {
  const ts = Date.now().toString(16).padStart(12, '0');
  const r = crypto.randomUUID().replace(/-/g, '');
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(13, 16)}-${'89ab'[parseInt(r[16], 16) & 3]}${r.slice(17, 20)}-${r.slice(20, 32)}`;
}

/** auditor2 sends a visit of OFFICE (a demo visit's answers, times and positions) with
 *  every item passed but FAILED; the supervisor approves it. Returns its id. (auditor1 makes
 *  the next visit, assigned: an assignment already visited lists nothing to re-check.) */
async function approvedVisitWithThreeFailures() {
  const list = (await server.api('GET', '/visits?auditor=auditor1', sup)).body.visits;
  assert.ok(list.length > 0, 'the demo has visits of auditor1');
  const { visit } = (await server.api('GET', `/visits/${list[0].visit_id}`, sup)).body;
  visit.id = uuid7();
  visit.revision = 1;
  visit.office_id = OFFICE;
  visit.auditor = 'auditor2';
  visit.comment = '';
  for (const [id, a] of Object.entries(visit.answers)) {
    a.comment = '';
    a.photos = [];
    const kind = a.value?.type;
    if (kind === 'yes' || kind === 'no') a.value = { type: FAILED.includes(id) ? 'no' : 'yes' };
    if (kind === 'scale') a.value = { type: 'scale', value: 5 };
    if (kind === 'number') a.value = { type: 'number', value: FAILED.includes(id) ? 40 : 5 };
    if (kind === 'choice') a.value = { type: 'choice', value: BEST_CHOICE[id] ?? a.value.value };
  }
  for (const id of FAILED) assert.ok(visit.answers[id], `the visit answers ${id}`);
  visit.answers[FIXED].comment = 'Вывески у входа нет';
  const token = await server.login('auditor2');
  const pushed = await server.api('POST', '/push', token, { visits: [visit] });
  assert.equal(pushed.body?.results?.[0]?.status, 'accepted', JSON.stringify(pushed.body));
  const approved = await server.api('POST', `/visits/${visit.id}/review`, sup, { decision: 'approve', revision: 1 });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return visit.id;
}

/** Polls `check` (async, truthy when done) for up to `ms`. */
async function eventually(check, what, ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('findings to fixes: three actions, planned, fixed offline with a photo, verified, re-checked', async () => {
  const visitId = await approvedVisitWithThreeFailures();
  const managerToken = await server.login('manager');
  const mine = (await server.api('GET', '/actions', managerToken)).body.filter((a) => a.visit_id === visitId);
  assert.deepEqual(mine.map((a) => a.item_id).sort(), [...FAILED].sort(), 'three actions, one per failed item');
  const fixed = mine.find((a) => a.item_id === FIXED);

  // The manager's phone, every answer the page receives kept to search for the auditor.
  const m = await newPhone();
  await m.page.setViewportSize({ width: 360, height: 740 });
  const answers = [];
  m.page.on('response', async (res) => {
    if (!res.url().includes('/api/')) return;
    answers.push(await res.text().catch(() => ''));
  });
  await signIn(m.page, server.url, 'manager');
  for (const a of mine) await m.page.waitForSelector(`[data-testid="actions"] [data-action="${a.id}"]`);
  assert.match(await m.page.textContent('[data-testid="actions"] h2'), /Недочёты/);
  await m.page.screenshot({ path: join(SHOTS, 'actions-manager-home.png') });
  const width = await m.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `home fits 360 px (${width})`);

  // Plans one.
  await m.page.click(`[data-action="${fixed.id}"]`);
  await m.page.waitForSelector('[data-testid="action"] [data-testid="finding"]');
  assert.match(await m.page.textContent('[data-testid="finding-comment"]'), /Вывески у входа нет/);
  await m.page.fill('[data-testid="plan-text"]', 'Закажем и повесим вывеску');
  await m.page.click('[data-testid="save-plan"]');
  await eventually(async () => (await server.api('GET', `/actions/${fixed.id}`, managerToken)).body.state === 'planned', 'the plan on the server');

  // Offline: closes it with a photo; it is kept and shown as waiting.
  await m.context.setOffline(true);
  await m.page.fill('[data-testid="evidence-text"]', 'Вывеска на месте');
  await m.page.setInputFiles('[data-testid="evidence-photo"]', { name: 'sign.png', mimeType: 'image/png', buffer: PNG });
  await m.page.waitForSelector('[data-testid="done-form"] .photos img');
  await m.page.click('[data-testid="mark-fixed"]');
  await m.page.waitForSelector('[data-testid="action"][data-state="done"]');
  assert.match(await m.page.textContent('[data-testid="action-state"]'), /ожидает отправки/);
  await m.page.screenshot({ path: join(SHOTS, 'actions-fixed-offline.png') });
  assert.equal((await server.api('GET', `/actions/${fixed.id}`, managerToken)).body.state, 'planned', 'nothing reached the server offline');

  // Online again: the step and its photo reach the server, once.
  await m.context.setOffline(false);
  const done = await eventually(async () => {
    const a = (await server.api('GET', `/actions/${fixed.id}`, managerToken)).body;
    return a.state === 'done' && a.evidence_photos.length === 1 && a.missing_photos.length === 0 && a;
  }, 'the fix and its photo on the server');
  assert.equal(done.evidence, 'Вывеска на месте');
  await m.page.waitForFunction(() => !/ожидает отправки/.test(document.querySelector('[data-testid="action-state"]')?.textContent ?? ''));

  // Nowhere the auditor's login: not on any screen shown, not in any answer received.
  for (const screen of ['action', 'home']) {
    if (screen === 'home') await m.page.click('header .ghost');
    await m.page.waitForSelector(`[data-testid="${screen}"]`);
    assert.doesNotMatch(await m.page.textContent('body'), /auditor2/, `the ${screen} screen does not name the auditor`);
  }
  assert.ok(answers.some((t) => t.includes(fixed.id)), 'the page received the actions');
  for (const text of answers) assert.doesNotMatch(text, /auditor2/, 'no answer names the auditor');

  // The supervisor verifies it on the board.
  const s = await newPhone();
  await s.page.setViewportSize({ width: 360, height: 740 });
  await signIn(s.page, server.url, 'supervisor');
  await s.page.click('[data-testid="to-actions-board"]');
  await s.page.click(`[data-testid="actions-board"] [data-action="${fixed.id}"]`);
  await s.page.waitForSelector('[data-testid="verify"]');
  await s.page.screenshot({ path: join(SHOTS, 'actions-verify.png') });
  await s.page.click('[data-testid="verify"]');
  await eventually(async () => (await server.api('GET', `/actions/${fixed.id}`, sup)).body.state === 'verified', 'verified on the server');

  // The auditor's next visit to the office: the fixed item is marked to re-check.
  const now = new Date();
  const quarter = quarterOf(now);
  const [y, q] = quarter.split('-Q').map(Number);
  const due = new Date(Date.UTC(y, q * 3, 0)).toISOString().slice(0, 10);
  const assigned = await server.api('POST', '/assignments', sup, {
    auditor: 'auditor1', office_id: OFFICE, quarter, scenario: 'bill-explanation', due, note: '', dry_run: false,
  });
  assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
  const { assignment } = assigned.body;
  const a = await newPhone();
  await signIn(a.page, server.url, 'auditor1');
  const listed = (await server.api('GET', '/assignments', await server.login('auditor1'))).body.find((x) => x.id === assignment.id);
  assert.ok(listed?.recheck?.includes(FIXED), `the assignment lists ${FIXED} to re-check: ${JSON.stringify(listed)}`);
  await a.page.click(`[data-testid="assignments"] [data-assignment="${assignment.id}"]`);
  await a.page.waitForSelector('[data-testid="checklist"]');
  await a.page.waitForSelector(`article[data-item="${FIXED}"] [data-testid="recheck"]`);
  assert.equal((await a.page.textContent(`article[data-item="${FIXED}"] [data-testid="recheck"]`)).trim(), 'Перепроверить');
  const marked = await a.page.$$eval('article[data-item]:has([data-testid="recheck"])', (e) => e.map((x) => x.dataset.item));
  for (const item of marked) assert.ok(listed.recheck.includes(item), `${item} is marked only because it is listed`);
  await a.page.screenshot({ path: join(SHOTS, 'actions-recheck.png') });

  // Answers it: passed, and the rest as the harness does; submits.
  await fillVisit(a.page, {
    each: async () => {
      const yes = await a.page.$(`article[data-item="${FIXED}"] button[data-value="yes"]`);
      if (yes) {
        await yes.click();
        await a.page.waitForSelector('[data-testid="save-state"].saved');
      }
    },
  });
  await a.page.click('[data-testid="to-summary"]');
  await a.page.click('[data-testid="submit"]');
  await a.page.click('[data-testid="confirm-submit"]');
  const row = await a.page.waitForSelector('[data-testid="submitted"] [data-visit]');
  const nextVisit = await row.getAttribute('data-visit');
  await eventually(async () => (await server.api('GET', `/visits/${nextVisit}`, sup)).status === 200, 'the next visit on the server');
  const detail = (await server.api('GET', `/visits/${nextVisit}`, sup)).body;
  assert.equal(detail.visit.answers[FIXED].value.type, 'yes');
  const approved = await server.api('POST', `/visits/${nextVisit}/review`, sup, { decision: 'approve', revision: detail.visit.revision });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  // The manager's action shows the confirmation.
  await eventually(async () => (await server.api('GET', `/actions/${fixed.id}`, managerToken)).body.recheck === 'fix_confirmed', 'the fix confirmed on the server');
  await m.page.click('[data-testid="sync-now"]');
  await m.page.click(`[data-action="${fixed.id}"]`);
  await m.page.waitForSelector('[data-testid="history"] [data-step="recheck"]', { timeout: 20000 });
  assert.match(await m.page.textContent('[data-testid="history"] [data-step="recheck"]'), /подтвердила устранение/);
  await m.page.screenshot({ path: join(SHOTS, 'actions-confirmed.png') });
});
