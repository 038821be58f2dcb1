// The browser killed mid-visit: Chromium on a persistent profile gets SIGKILL at a random
// moment of a scripted visit (answers, comments, photos, submit), over and over, and is
// started again on the same profile. Each time, before the app runs, the store as
// IndexedDB kept it must pass SQLite's integrity_check, hold every answer, comment and
// photo whose «Сохранено» was shown and every visit shown as submitted, with no outbox
// entry twice; then the app must open on it.
// ROUNDS (default 20) sets the number of kills; RELIABILITY.md has a long run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist } from './harness.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

let server, dir;
before(async () => {
  server = await serveDist();
  dir = mkdtempSync(join(tmpdir(), 'zk-crash-'));
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Chromium started by this test, in a process group of its own so that SIGKILL takes the
 *  browser and its helpers down at once, as a crash or the OS killing the app would. */
async function startBrowser() {
  const child = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'profile')}`, '--window-size=390,844', 'about:blank',
  ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = await new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`chromium exited: ${text}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  const page = context.pages()[0] ?? await context.newPage();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } return exited; };
  return { browser, page, kill };
}

/** The two database files exactly as IndexedDB holds them (null before the first open). */
async function storedFiles(page) {
  await page.goto(`${server.url}manifest.webmanifest`);
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'zakupka')) return null;
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('zakupka');
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains('files')) { d.close(); resolve(null); return; }
        const tx = d.transaction(['files', 'pages']);
        const got = {};
        const ask = (store, what) => { tx.objectStore(store)[what]().onsuccess = (e) => { got[`${store}.${what}`] = e.target.result; }; };
        ask('files', 'getAllKeys'); ask('files', 'getAll'); ask('pages', 'getAllKeys'); ask('pages', 'getAll');
        tx.oncomplete = () => {
          d.close();
          const out = {};
          got['files.getAllKeys'].forEach((name, i) => { out[name] = new Uint8Array(got['files.getAll'][i].size); });
          got['pages.getAllKeys'].forEach(([name, index], i) => {
            const file = out[name];
            const page = new Uint8Array(got['pages.getAll'][i]);
            file.set(page.subarray(0, Math.max(0, Math.min(page.length, file.length - index * 4096))), index * 4096);
          });
          const b64 = (bytes) => {
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            return btoa(s);
          };
          resolve(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, b64(v)])));
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  });
}

// Reads the stored files with SQLite itself (Python's sqlite3): integrity, and what the
// test saw confirmed.
const CHECK = String.raw`
import json, sqlite3, sys
main, media = sys.argv[1], sys.argv[2]
want = json.load(sys.stdin)
db = sqlite3.connect(main)
db.execute("ATTACH DATABASE ? AS media", (media,))
out = {"integrity": [r[0] for r in db.execute("PRAGMA main.integrity_check")] + [r[0] for r in db.execute("PRAGMA media.integrity_check")]}
missing = []
for a in want["answers"]:
    row = db.execute("SELECT value, comment FROM answers WHERE visit_id = ? AND item_id = ?", (a["visit"], a["item"])).fetchone()
    value = json.loads(row[0]) if row and row[0] else None
    shown = value and value.get("value", value["type"])
    if isinstance(shown, float) and shown.is_integer():
        shown = int(shown)
    shown = None if shown is None else str(shown)
    if shown != a["value"]:
        missing.append(["answer", a, shown])
for c in want["comments"]:
    row = db.execute("SELECT comment FROM answers WHERE visit_id = ? AND item_id = ?", (c["visit"], c["item"])).fetchone()
    if not row or row[0] != c["text"]:
        missing.append(["comment", c, row and row[0]])
for p in want["photos"]:
    n = db.execute("SELECT count(*) FROM media.photos WHERE visit_id = ? AND item_id = ?", (p["visit"], p["item"])).fetchone()[0]
    if n < p["count"]:
        missing.append(["photo", p, n])
for v in want["submitted"]:
    status = db.execute("SELECT status FROM visits WHERE id = ?", (v,)).fetchone()
    queued = db.execute("SELECT count(*) FROM outbox WHERE visit_id = ?", (v,)).fetchone()[0]
    if not status or status[0] != "submitted" or queued != 1:
        missing.append(["submitted", v, status and status[0], queued])
out["missing"] = missing
out["duplicates"] = db.execute("SELECT visit_id, count(*) FROM outbox GROUP BY visit_id HAVING count(*) > 1").fetchall()
out["visits"] = db.execute("SELECT count(*) FROM visits").fetchone()[0]
out["answers"] = db.execute("SELECT count(*) FROM answers").fetchone()[0]
print(json.dumps(out))
`;

function checkStored(files, want) {
  const main = join(dir, 'main.db');
  const media = join(dir, 'media.db');
  writeFileSync(main, Buffer.from(files.zakupka ?? '', 'base64'));
  writeFileSync(media, Buffer.from(files['zakupka-media'] ?? '', 'base64'));
  // Debian's python3 where there is one: a version manager's shim takes longer to start.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  return JSON.parse(execFileSync(python, ['-c', CHECK, main, media], { input: JSON.stringify(want) }));
}

/** What the test saw confirmed by «Сохранено» (or, for a submit, the submitted list). */
const confirmed = { answers: new Map(), comments: new Map(), photos: new Map(), submitted: new Set() };
const want = () => ({
  answers: [...confirmed.answers.values()],
  comments: [...confirmed.comments.values()],
  photos: [...confirmed.photos.values()],
  submitted: [...confirmed.submitted],
});

const SCREENS = '[data-testid="home"], [data-testid="start"], [data-testid="checklist"], [data-testid="summary"]';
/** Does `action` and waits for the «Сохраняется» → «Сохранено» it causes. A «Сохранено»
 *  already on screen is an earlier write's, and the change's re-render may come after the
 *  action returns, so the watch is armed first. */
async function saved(page, action) {
  await page.evaluate(() => {
    window.__saves = 0;
    window.__saving = false;
    window.__watch ??= new MutationObserver(() => {
      const mark = document.querySelector('[data-testid="save-state"]');
      if (mark?.classList.contains('saving')) window.__saving = true;
      else if (window.__saving && mark?.classList.contains('saved')) { window.__saving = false; window.__saves += 1; }
    });
    window.__watch.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await action();
  await page.waitForFunction(() => window.__saves > 0);
}

/** One step of an auditor's visit from whatever screen the app shows. */
async function step(page, round, n) {
  if (await page.$('[data-testid="home"]')) {
    await page.click('[data-testid="start-visit"]');
    await page.waitForSelector('[data-testid="start"]');
  }
  if (await page.$('[data-testid="start"]')) {
    await page.fill('[data-testid="office-search"]', 'Клин');
    await page.click('[data-office] >> nth=0');
    await page.click('[data-scenario] >> nth=0');
    await page.fill('[data-testid="auditor"]', `crash-${round}`);
    await page.click('[data-testid="begin"]');
    await page.waitForSelector('[data-testid="checklist"]');
    return;
  }
  if (await page.$('[data-testid="summary"]')) {
    await page.waitForSelector('[data-testid="missing-none"]');
    await page.click('[data-testid="submit"]');
    await saved(page, () => page.click('[data-testid="confirm-submit"]'));
    const row = await page.waitForSelector('[data-testid="submitted"] [data-visit]');
    const visits = await page.$$eval('[data-testid="submitted"] [data-visit]', (rows) => rows.map((r) => r.dataset.visit));
    for (const v of visits) confirmed.submitted.add(v);
    return row;
  }
  const visit = await page.getAttribute('[data-testid="checklist"]', 'data-visit');
  const card = await page.$('article[data-item]:not(.answered)');
  if (!card) {
    const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
    if (await page.$('[data-testid="next"]')) {
      await page.click('[data-testid="next"]');
      await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
    } else {
      await page.click('[data-testid="to-summary"]');
      await page.waitForSelector('[data-testid="summary"]');
    }
    return;
  }
  const item = await card.getAttribute('data-item');
  const sel = `article[data-item="${item}"]`;
  // A photo on the first item of a visit that takes one, a comment on every third item.
  if ((await card.$('.photo-add')) && !confirmed.photos.has(`${visit}|first`)) {
    const before = (await page.$$(`${sel} .photos img`)).length;
    await saved(page, () => page.setInputFiles(`${sel} input[type="file"]`, { name: 'stand.png', mimeType: 'image/png', buffer: PNG }));
    await page.waitForFunction(([s, b]) => document.querySelectorAll(`${s} .photos img`).length > b, [sel, before]);
    confirmed.photos.set(`${visit}|first`, { visit, item, count: before + 1 });
  }
  if (n % 3 === 0 && (await card.$('button[aria-expanded]'))) {
    if (!(await card.$('textarea.comment'))) await page.click(`${sel} button[aria-expanded]`);
    const text = `замечание ${round}.${n}`;
    await saved(page, () => page.fill(`${sel} textarea.comment`, text));
    confirmed.comments.set(`${visit}|${item}`, { visit, item, text });
  }
  let value;
  let answer;
  if (await card.$('button[data-value="yes"]')) {
    value = n % 4 === 3 ? 'no' : 'yes';
    answer = () => page.click(`${sel} button[data-value="${value}"]`);
  } else if (await card.$('button[data-value="4"]')) {
    value = '4';
    answer = () => page.click(`${sel} button[data-value="4"]`);
  } else if (await card.$('input[data-testid="number"]')) {
    value = '18';
    answer = async () => {
      await page.focus(`${sel} input[data-testid="number"]`);
      await page.keyboard.type(value);
      await page.keyboard.press('Enter');
      await page.$eval(`${sel} input[data-testid="number"]`, (e) => e.blur());
    };
  } else {
    const option = await card.$('button.answer.option:nth-of-type(2)');
    value = await option.getAttribute('data-value');
    answer = () => option.click();
  }
  await saved(page, answer);
  await page.waitForSelector(`${sel}.answered`);
  confirmed.answers.set(`${visit}|${item}`, { visit, item, value });
}

test(`the browser killed ${ROUNDS} times mid-visit loses nothing it confirmed`, { timeout: ROUNDS * 30_000 }, async () => {
  let seed = Number(process.env.SEED ?? Date.now() % 100000);
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  console.log(`crash test: ${ROUNDS} rounds, SEED=${seed}`);
  let steps = 0;
  let last;
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = Date.now();
    const lap = (what) => { if (process.env.CRASH_DEBUG) console.log(`round ${round} ${what} +${Date.now() - t0} ms`); };
    const { browser, page, kill } = await startBrowser();
    lap('started');
    try {
      const files = await storedFiles(page);
      lap('read');
      if (round > 1) {
        assert.ok(files, `round ${round}: the store is still there`);
        last = checkStored(files, want());
        assert.deepEqual(last.integrity, ['ok', 'ok'], `round ${round}: integrity_check`);
        assert.deepEqual(last.missing, [], `round ${round}: everything confirmed is stored`);
        assert.deepEqual(last.duplicates, [], `round ${round}: no outbox entry twice`);
      }
      lap('checked');
      await page.goto(server.url);
      await page.waitForSelector(SCREENS);
      lap('opened');
      // The kill comes at a random moment of the next 0.05-2.5 s of work.
      const at = 50 + random() * 2450;
      const killed = new Promise((resolve) => setTimeout(resolve, at)).then(kill);
      const work = (async () => {
        for (;;) { await step(page, round, steps); steps += 1; }
      })().catch((e) => { if (process.env.CRASH_DEBUG) console.log(`round ${round} at ${at.toFixed(0)} ms: ${String(e).split('\n')[0]}`); });
      await killed;
      await work;
    } finally {
      await kill();
      lap('killed');
      await browser.close().catch(() => {});
      lap('closed');
    }
  }
  // One more start, to check what the last kill left.
  const { browser, page, kill } = await startBrowser();
  try {
    last = checkStored(await storedFiles(page), want());
    assert.deepEqual(last.integrity, ['ok', 'ok']);
    assert.deepEqual(last.missing, []);
    assert.deepEqual(last.duplicates, []);
    await page.goto(server.url);
    await page.waitForSelector(SCREENS);
  } finally {
    await kill();
    await browser.close().catch(() => {});
  }
  console.log(`crash test: ${steps} steps; confirmed ${confirmed.answers.size} answers, ${confirmed.comments.size} comments, `
    + `${confirmed.photos.size} photos, ${confirmed.submitted.size} submitted visits; stored ${last.visits} visits, ${last.answers} answers`);
  assert.ok(confirmed.answers.size > ROUNDS / 2, 'the rounds got work done');
});
