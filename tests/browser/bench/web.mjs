// Measurements of the release web build in Debian's Chromium (not part of `npm test`):
//   1. autosave: a tap on an answer button to the «Сохранено» mark confirmed by IndexedDB,
//      against the same tap on a plain button that only puts the same bytes into IndexedDB
//      (strict durability) and then shows its own mark, in the same page;
//   2. first render of the home screen with 4x CPU throttling, against the same screen as a
//      static page with no script;
//   3. the size of the release wasm, raw and gzip -9.
// Run `scripts/build-web` first, then `node tests/browser/bench/web.mjs`.
// BENCH_TAPS and BENCH_LOADS change the sample sizes; BENCH_TRACE=file writes a Chromium
// performance trace of 30 taps (open it in chrome://tracing or the DevTools Performance tab).
import { createServer } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { DIST, phone } from '../harness.mjs';

const TAPS = Number(process.env.BENCH_TAPS ?? 240);
const WARMUP_TAPS = 10;
const LOADS = Number(process.env.BENCH_LOADS ?? 7);
// A person does not tap two answers faster than this; it also lets each tap start from an
// idle page, as in the field.
const TAP_GAP_MS = 150;
const TARGETS = { saveP99Ms: 16, firstRenderMs: 2000, wasmGzipBytes: 2 * 1024 * 1024 };

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json', '.css': 'text/css',
};

/** Serves dist/ as the browser tests do (harness.mjs), plus in-memory pages for baselines. */
async function serve(extra) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const headers = (type) => ({ 'content-type': type, 'cache-control': 'no-cache' });
    if (extra.has(path)) {
      res.writeHead(200, headers(TYPES['.html'])).end(extra.get(path));
      return;
    }
    const file = join(DIST, path.endsWith('/') ? join(path, 'index.html') : path);
    if (!file.startsWith(DIST)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, headers(TYPES[extname(file)] ?? 'application/octet-stream')).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Nearest-rank percentile. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (x) => `${x.toFixed(2)} ms`;
const verdict = (ok) => (ok ? 'MET' : 'MISSED');

// --- 1. autosave -----------------------------------------------------------------------

// Installed in the page: watches one tap through to the "saved" mark that confirms it, and
// adds the baseline: a plain button whose click handler only puts the app's bytes into
// IndexedDB the same way (strict durability) and then shows its own "saved" mark.
function installTapWatch() {
  const bench = {
    /** Arms the watch for the next tap on `selector`; `bench.pending` resolves with the
     *  times (performance.now()) of its pointerup and click dispatch, of the mark `mark`
     *  turning to "saving", and of it turning to "saved" for this tap. */
    arm(selector, mark) {
      let pointerUp = null;
      let clicked = null;
      let shown = null;
      const onUp = () => { pointerUp ??= performance.now(); };
      const onClick = () => { clicked ??= performance.now(); };
      // Window capture listeners run before any listener of the page.
      addEventListener('pointerup', onUp, { capture: true });
      addEventListener('click', onClick, { capture: true });
      bench.pending = new Promise((resolve, reject) => {
        // The mark before the tap is stale. The tap's write sets "saving" in its click
        // handler, and "saved" comes only in a later task, when IndexedDB has confirmed it;
        // so the first "saved" after a "saving" seen after the click is this tap's.
        const check = () => {
          const save = document.querySelector(mark);
          if (save?.classList.contains('failed')) { done(); reject(new Error(`save failed: ${save.textContent}`)); return; }
          if (shown === null && clicked !== null && save?.classList.contains('saving')) shown = performance.now();
          if (shown !== null && save?.classList.contains('saved')) {
            const saved = performance.now();
            done();
            resolve({ pointerUp, clicked, shown, saved });
          }
        };
        const observer = new MutationObserver(check);
        const timer = setTimeout(() => { done(); reject(new Error(`no "saved" for ${selector}`)); }, 10000);
        const done = () => {
          observer.disconnect();
          clearTimeout(timer);
          removeEventListener('pointerup', onUp, { capture: true });
          removeEventListener('click', onClick, { capture: true });
        };
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      });
    },
    /** Reads the bytes the app last kept in IndexedDB; resolves to their size. */
    kept() {
      return new Promise((resolve, reject) => {
        const req = indexedDB.open('zakupka');
        req.onsuccess = () => {
          const get = req.result.transaction('snapshots').objectStore('snapshots').get('main');
          get.onsuccess = () => { bench.bytes = new Uint8Array(get.result); resolve(get.result.byteLength); };
          get.onerror = () => reject(get.error);
        };
        req.onerror = () => reject(req.error);
      });
    },
    /** Durations of the baseline's bare puts, transaction to complete. */
    puts: [],
    /** Shows or hides the baseline button (hidden, it cannot cover the app's buttons). */
    baseline(visible) { box.style.display = visible ? 'flex' : 'none'; },
  };
  const db = new Promise((resolve, reject) => {
    const req = indexedDB.open('bench-baseline', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('snapshots');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  // Outside the app's root element, so the app's renderer never sees it.
  const box = document.createElement('div');
  box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;height:64px;z-index:99999;display:none;gap:8px;align-items:center;background:#fff';
  const button = document.createElement('button');
  button.dataset.testid = 'bench-put';
  button.style.cssText = 'flex:1;height:56px';
  button.textContent = 'put';
  const saved = document.createElement('span');
  saved.dataset.testid = 'bench-mark';
  saved.className = 'idle';
  box.append(button, saved);
  document.body.append(box);
  // The same calls as crates/client/src/web.rs makes, explicit commit included.
  button.addEventListener('click', async () => {
    saved.className = 'saving';
    saved.textContent = '…';
    // A fresh copy, as the app hands IndexedDB a fresh copy of its database.
    const bytes = bench.bytes.slice();
    const d = await db;
    const start = performance.now();
    await new Promise((resolve, reject) => {
      const tx = d.transaction('snapshots', 'readwrite', { durability: 'strict' });
      tx.objectStore('snapshots').put(bytes, 'main');
      tx.commit();
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    bench.puts.push(performance.now() - start);
    saved.className = 'saved';
    saved.textContent = '✓ Сохранено';
  });
  window.__bench = bench;
}

async function startVisit(page, url) {
  await page.goto(url);
  await page.waitForSelector('[data-testid="home"]');
  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', 'Клин');
  await page.click('[data-office] >> nth=0');
  await page.click('[data-scenario] >> nth=0');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
  await page.waitForSelector('[data-testid="save-state"].saved');
}

/** The answer buttons of the open section, per item: [item id, [values]]. */
async function buttonsByItem(page) {
  return page.$$eval('article[data-item]', (cards) => cards
    .map((c) => [c.dataset.item, [...c.querySelectorAll('.answers button[data-value]')].map((b) => b.dataset.value)])
    .filter(([, values]) => values.length >= 2));
}

async function autosave(url) {
  const { browser, context } = await phone();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await startVisit(page, url);
    await page.evaluate(installTapWatch);
    const items = await buttonsByItem(page);
    if (items.length === 0) throw new Error('no answer buttons in the first section');
    await page.evaluate(() => window.__bench.kept());

    const app = [];
    const bare = [];
    const tracing = process.env.BENCH_TRACE;
    const tap = async (selector, mark) => {
      await page.evaluate(([s, m]) => window.__bench.arm(s, m), [selector, mark]);
      await page.tap(selector);
      const t = await page.evaluate(() => window.__bench.pending);
      await page.waitForTimeout(TAP_GAP_MS);
      return t;
    };
    for (let n = 0; n < TAPS + WARMUP_TAPS; n++) {
      if (tracing && n === WARMUP_TAPS) {
        await browser.startTracing(page, { path: tracing, categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'IndexedDB'] });
      }
      if (tracing && n === WARMUP_TAPS + 30) await browser.stopTracing();
      // Each tap changes an item's answer, to the next of its values, item after item.
      const [id, values] = items[n % items.length];
      const value = values[Math.floor(n / items.length) % values.length];
      const pressed = await page.evaluate((i) => document.querySelector(`article[data-item="${i}"] button[aria-pressed="true"]`)?.dataset.value ?? null, id);
      const next = value === pressed ? values[(values.indexOf(value) + 1) % values.length] : value;
      const selector = `article[data-item="${id}"] button[data-value="${next}"]`;
      await page.locator(selector).scrollIntoViewIfNeeded();
      const a = await tap(selector, '[data-testid="save-state"]');
      // The baseline, interleaved so both see the same machine, with the bytes the app
      // keeps, refreshed now and then as the visit grows.
      if (n % 20 === 0) await page.evaluate(() => window.__bench.kept());
      await page.evaluate(() => window.__bench.baseline(true));
      const b = await tap('[data-testid="bench-put"]', '[data-testid="bench-mark"]');
      await page.evaluate(() => window.__bench.baseline(false));
      if (n >= WARMUP_TAPS) { app.push(a); bare.push(b); }
    }
    const puts = (await page.evaluate(() => window.__bench.puts)).slice(WARMUP_TAPS);
    const size = await page.evaluate(() => window.__bench.kept());
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { app, bare, puts, size };
  } finally {
    await browser.close();
  }
}

// --- 2. first render -------------------------------------------------------------------

// Installed before any page script: the time from navigation start (performance.now()'s
// origin) to the first frame painted with the home screen in the DOM.
function watchHome() {
  const found = () => document.querySelector('[data-testid="home"]');
  const painted = () => {
    // A message posted from requestAnimationFrame runs after that frame is produced.
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { window.__homeVisible = performance.now(); };
      channel.port2.postMessage(null);
    });
  };
  const start = () => {
    if (found()) { painted(); return; }
    const observer = new MutationObserver(() => { if (found()) { observer.disconnect(); painted(); } });
    observer.observe(document, { subtree: true, childList: true });
  };
  start();
}

/** One cold load in a new browser (empty profile, cache and compiled-code cache). */
async function coldLoad(url) {
  const { browser, context } = await phone();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.addInitScript(watchHome);
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(() => window.__homeVisible, null, { timeout: 60000, polling: 50 });
    return await handle.jsonValue();
  } finally {
    await browser.close();
  }
}

/** The rendered home screen, markup and styles, with every script taken out. */
async function staticHome(url) {
  const { browser, context } = await phone();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-testid="home"]');
    return await page.evaluate(() => {
      const copy = document.documentElement.cloneNode(true);
      copy.querySelectorAll('script, link[rel="modulepreload"], link[rel="manifest"]').forEach((e) => e.remove());
      return `<!doctype html>\n${copy.outerHTML}`;
    });
  } finally {
    await browser.close();
  }
}

async function firstRender(url, staticUrl) {
  const app = [];
  const bare = [];
  // Interleaved, so both see the same machine.
  for (let i = 0; i < LOADS; i++) {
    app.push(await coldLoad(url));
    bare.push(await coldLoad(staticUrl));
  }
  return { app, bare };
}

// --- 3. wasm size ----------------------------------------------------------------------

async function wasmSize() {
  const names = (await readdir(DIST)).filter((n) => n.endsWith('.wasm'));
  if (names.length !== 1) throw new Error(`expected one .wasm in dist/, found ${names.length}; run scripts/build-web`);
  const bytes = await readFile(join(DIST, names[0]));
  return { name: names[0], raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

// --- main ------------------------------------------------------------------------------

const extra = new Map();
const server = await serve(extra);
try {
  const size = await wasmSize();
  const staticPage = await staticHome(server.url);
  extra.set('/static-home.html', staticPage);

  const save = await autosave(server.url);
  const render = await firstRender(server.url, `${server.url}static-home.html`);

  const total = (t) => t.saved - t.pointerUp;
  const p = (xs, q) => ms(percentile(xs, q));
  const appP = (q) => percentile(save.app.map(total), q);
  const bareP = (q) => percentile(save.bare.map(total), q);
  const appMedian = percentile(render.app, 50);
  const bareMedian = percentile(render.bare, 50);
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const phases = (ts) => `pointerup→click ${p(ts.map((t) => t.clicked - t.pointerUp), 50)}, `
    + `click→saving shown ${p(ts.map((t) => t.shown - t.clicked), 50)}, saving→saved ${p(ts.map((t) => t.saved - t.shown), 50)}`;

  console.log(`Chromium, phone viewport 390x844; ${save.app.length} taps of each after ${WARMUP_TAPS} warm-up; database ${kib(save.size)}; ${LOADS} cold loads of each; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`autosave tap→saved p50: ${ms(appP(50))} (baseline plain button tap→IndexedDB put→mark ${ms(bareP(50))}, ratio ${(appP(50) / bareP(50)).toFixed(2)})`);
  console.log(`autosave tap→saved p99: ${ms(appP(99))} (baseline plain button tap→IndexedDB put→mark ${ms(bareP(99))}, ratio ${(appP(99) / bareP(99)).toFixed(2)}) target ≤ ${TARGETS.saveP99Ms} ms ${verdict(appP(99) <= TARGETS.saveP99Ms)}`);
  console.log(`  app p50 phases: ${phases(save.app)}`);
  console.log(`  baseline p50 phases: ${phases(save.bare)}; its bare put alone p50 ${p(save.puts, 50)}, p99 ${p(save.puts, 99)}`);
  console.log(`first render of home, 4x CPU throttling, median: ${ms(appMedian)} (baseline static home page ${ms(bareMedian)}, ratio ${(appMedian / bareMedian).toFixed(1)}) target ≤ ${TARGETS.firstRenderMs} ms ${verdict(appMedian <= TARGETS.firstRenderMs)}`);
  console.log(`  loads: app [${render.app.map((x) => x.toFixed(0)).join(', ')}] ms; static [${render.bare.map((x) => x.toFixed(0)).join(', ')}] ms; static page ${kib(staticPage.length)}`);
  console.log(`wasm ${size.name} gzip -9: ${size.gzip} bytes = ${(size.gzip / 1048576).toFixed(2)} MiB (baseline raw ${size.raw} bytes, ratio ${(size.gzip / size.raw).toFixed(3)}) target ≤ 2 MiB ${verdict(size.gzip <= TARGETS.wasmGzipBytes)}`);
  if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify({ save, render, size }, null, 1));
} finally {
  await server.close();
}
