// Shared by the browser tests: serve dist/ on loopback and start Debian's Chromium.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const DIST = join(ROOT, 'dist');
// Under target/, so that running the tests leaves the work tree as it was;
// scripts/screenshots copies them into docs/.
export const SHOTS = join(ROOT, 'target', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json', '.css': 'text/css', '.png': 'image/png', '.jpg': 'image/jpeg',
};

/** Serves dist/ on 127.0.0.1 at a free port; resolves to { url, close }. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(DIST, path.endsWith('/') ? join(path, 'index.html') : path);
    if (!file.startsWith(DIST)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Chromium as a phone: 390x844, touch, Russian locale. */
export async function phone() {
  // Playwright gives each launch a fresh, empty profile of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ru-RU',
  });
  return { browser, context };
}

/** Opens the app at `url`; it reopens the screen it was left on, so walk back to home
 *  through the headers. */
export async function toHome(page, url) {
  await page.goto(url);
  await backToHome(page);
}

/** Signs `login` (demo password) in from the account screen of a fresh page at `url`;
 *  resolves once home shows the first sync. */
export async function signIn(page, url, login) {
  await page.goto(url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', login);
  await page.fill('[data-testid="password"]', 'demo');
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="home"] [data-testid="last-sync"]');
}

/** The quarter of `date` as the API spells it: `2026-Q4`. */
export function quarterOf(date) {
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}

/** From whatever screen the app shows, back to home through the headers. */
export async function backToHome(page) {
  await page.waitForSelector('main');
  for (let i = 0; i < 4 && !(await page.$('[data-testid="home"]')); i++) {
    await page.click('header .ghost');
    await page.waitForTimeout(100);
  }
  await page.waitForSelector('[data-testid="home"]');
}

/** Puts `images` ({ main, media }: Buffers of SQLite images, either may be absent) into
 *  the page's IndexedDB as the release before the page store kept them ('zakupka' v1,
 *  object store 'snapshots'), for the app to migrate when it opens. `page` is on a page of
 *  the app's origin that does not start the app. */
export async function putReleaseSnapshots(page, images) {
  const entries = Object.entries(images).map(([key, bytes]) => [key, bytes.toString('base64')]);
  await page.evaluate((entries) => new Promise((resolve, reject) => {
    const req = indexedDB.open('zakupka', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('snapshots');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction('snapshots', 'readwrite');
      for (const [key, b64] of entries) tx.objectStore('snapshots').put(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), key);
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), entries);
}

// A 1x1 PNG.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** From home, starts a visit at the first office found by `office`, its first scenario. */
export async function startVisit(page, { office = 'Клин', auditor = 'auditor1' } = {}) {
  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', office);
  await page.click('[data-office]');
  await page.click('[data-scenario]');
  await page.fill('[data-testid="auditor"]', auditor);
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
}

/** Answers the open visit section by section to its last: `answerAllItems`, then
 *  `each(n)` if given, then the photo `photo` ({ name, mimeType, buffer }) attached to the
 *  first item that takes photos, once (then `shown(item)` if given, while it is on screen),
 *  then on to the next section. Resolves to the id of the item the photo went to (null if
 *  none took it). */
export async function fillVisit(page, { photo, each, shown } = {}) {
  let photoItem = null;
  for (let n = 0; ; n++) {
    await answerAllItems(page, n);
    if (each) await each(n);
    const card = photo && !photoItem ? await page.$('article[data-item]:has(.photo-add)') : null;
    const item = card && (await card.getAttribute('data-item'));
    if (item) {
      await page.setInputFiles(`article[data-item="${item}"] input[type="file"]`, photo);
      await page.waitForSelector(`article[data-item="${item}"] .photos img`);
      if (shown) await shown(item);
      photoItem = item;
    }
    if (!(await page.$('[data-testid="next"]'))) return photoItem;
    await nextSection(page);
  }
}

/** Goes on to the next section and waits until it is shown. */
export async function nextSection(page) {
  const section = await page.getAttribute('[data-testid="checklist"]', 'data-section');
  await page.click('[data-testid="next"]');
  await page.waitForFunction((s) => document.querySelector('[data-testid="checklist"]')?.dataset.section !== s, section);
}

/** Answers every item of the open section; returns the answers in the core's JSON form. */
export async function answerAllItems(page, n) {
  const answers = {};
  const items = await page.$$('article[data-item]');
  for (const [i, card] of items.entries()) {
    const id = await card.getAttribute('data-item');
    if (await card.$('button[data-value="yes"]')) {
      // Mostly "yes", a "no" now and then, so points are lost and the score is not trivial.
      const v = (i + n) % 4 === 3 ? 'no' : 'yes';
      await (await card.$(`button[data-value="${v}"]`)).click();
      answers[id] = { type: v };
    } else if (await card.$('button[data-value="4"]')) {
      await (await card.$('button[data-value="4"]')).click();
      answers[id] = { type: 'scale', value: 4 };
    } else if (await card.$('input[data-testid="number"]')) {
      await card.$eval('input[data-testid="number"]', (e) => e.focus());
      await page.keyboard.type('18');
      await page.keyboard.press('Enter');
      await card.$eval('input[data-testid="number"]', (e) => e.blur());
      answers[id] = { type: 'number', value: 18 };
    } else {
      const option = await card.$('button.answer.option:nth-of-type(2)');
      const value = await option.getAttribute('data-value');
      await option.click();
      answers[id] = { type: 'choice', value };
    }
    await page.waitForSelector(`article[data-item="${id}"].answered`);
  }
  await page.waitForSelector('[data-testid="save-state"].saved');
  return answers;
}


/** Starts zakupka-server with the demo on a free loopback port, serving dist/. `stop` and
 *  `start` take it down and up again on the same port and database. */
export async function startServer() {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const net = await import('node:net');
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const db = join(mkdtempSync(join(tmpdir(), 'zk-server-')), 'zakupka.db');
  const bin = process.env.ZAKUPKA_SERVER_BIN ?? join(ROOT, 'target', 'debug', 'zakupka-server');
  const url = `http://127.0.0.1:${port}/`;
  let child;
  const start = async () => {
    child = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', DIST, '--seeds', join(ROOT, 'seeds'), '--demo'],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    for (let i = 0; i < 300; i++) {
      try { if ((await fetch(`${url}healthz`)).ok) return; } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('zakupka-server did not start');
  };
  const stop = () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
  await start();
  const api = async (method, path, token, body) => {
    const res = await fetch(`${url}api/v1${path}`, {
      method,
      headers: { 'x-zakupka-protocol': '1', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const login = async (user) => (await api('POST', '/login', null, { login: user, password: 'demo', device_id: '0190a000-0000-7000-8000-000000000001' })).body.token;
  return { url, api, login, start, stop, close: () => child.kill('SIGTERM') };
}

const AXE = await readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.x A and AA, and best practice) on what the page shows now and fails
 * with every violation named: its rule, impact and the elements at fault. `screen` names the
 * screen in the message.
 */
export async function expectAccessible(page, screen) {
  // Evaluated as a whole script by DevTools, so the page's CSP (no eval) does not stop it.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + n.failureSummary.split('\n').slice(1, 2).join('')),
    }));
  });
  if (violations.length) {
    const text = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n  ');
    throw new Error(`axe finds ${violations.length} violation(s) on «${screen}»:\n  ${text}`);
  }
}

/** Replaces the main database's pages in the page's IndexedDB by `text` (one page's
 *  worth), bytes that are no database; the app sees it at its next start. */
export async function corruptStore(page, text) {
  await page.evaluate((text) => new Promise((resolve, reject) => {
    const req = indexedDB.open('zakupka');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['pages', 'files'], 'readwrite');
      const bytes = new TextEncoder().encode(text);
      tx.objectStore('pages').delete(IDBKeyRange.bound(['zakupka', 0], ['zakupka', Infinity]));
      tx.objectStore('pages').put(bytes, ['zakupka', 0]);
      tx.objectStore('files').put({ size: bytes.length }, 'zakupka');
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), text);
}
