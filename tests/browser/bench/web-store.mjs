// The web app against the store an auditor accumulates (issue 10), each figure against a
// baseline measured in the same run, in the same browser:
//   - tap -> «Сохранено» with 0, 300 and 1,000 kept visits, against a plain button whose
//     click only makes a small durable write (an IndexedDB put with strict durability, and
//     an OPFS write and flush in a worker), tapped in the same page between the app's taps;
//   - wasm memory after loading 1,000 visits with 60 photos against the same visits with none;
//   - adding a photo of 3+ MB through the app's file input with 0 and 60 photos kept, against
//     a plain file input that only reads the file and puts its bytes into IndexedDB;
//   - load to the home screen with 1,000 visits and 60 photos against the empty store,
//     without and with 4x CPU throttling.
// Visits are seeded as the app's release before issue 10 kept them: the `main` snapshot of
// the `zakupka` IndexedDB database, made by the store's own code
// (crates/client/examples/web_seed.rs). A store of a later release migrates it when it
// first opens, so every figure is taken after one warm-up load. Photos are kept the way an
// auditor keeps them, through the app's file input (five to a new draft visit); that release
// kept all photos in one IndexedDB value, which Chromium refuses beyond 127 MiB, so it
// cannot keep 60 of them: the benchmark then measures with the photos it did keep.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, phone } from '../harness.mjs';

export const WORK = join(ROOT, 'target', 'bench-web');
const PHOTOS_DIR = join(WORK, 'photos');
const SEEDS_DIR = join(WORK, 'seeds');
const MIN_PHOTO_BYTES = 3 * 1024 * 1024;
// The app refuses larger files (zakupka_core::wire::MAX_PHOTO_BYTES).
const MAX_PHOTO_BYTES = 8 * 1024 * 1024;
const TAP_GAP_MS = 150;
const WARMUP_TAPS = 10;
// The bare durable write of the baselines: one SQLite page.
const SMALL_WRITE = 4096;

/** Nearest-rank percentile. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

// --- the stores ---------------------------------------------------------------------------

/** Photos of a phone camera's size: 4000x3000 JPEG at quality 92, 3-8 MB each, all different.
 *  Made once with ImageMagick and kept under target/bench-web/photos. */
export function photos(count) {
  mkdirSync(PHOTOS_DIR, { recursive: true });
  const files = [];
  for (let n = 0; n < count; n++) {
    const file = join(PHOTOS_DIR, `photo-${String(n).padStart(3, '0')}.jpg`);
    if (!existsSync(file)) {
      // A plasma fractal is about 3.8 MB at this quality; light noise where one comes out
      // smaller, as a phone's sensor noise does.
      const args = ['-size', '4000x3000', '-seed', String(1000 + n), 'plasma:fractal'];
      // Written aside and renamed, so an interrupted run leaves no half photo behind.
      const part = `${file}.part.jpg`;
      execFileSync('convert', [...args, '-quality', '92', part]);
      if (statSync(part).size < MIN_PHOTO_BYTES) {
        execFileSync('convert', [...args, '-attenuate', '0.15', '+noise', 'Gaussian', '-quality', '92', part]);
      }
      renameSync(part, file);
    }
    const size = statSync(file).size;
    if (size < MIN_PHOTO_BYTES || size > MAX_PHOTO_BYTES) throw new Error(`${file}: ${size} bytes, not 3-8 MB`);
    files.push(file);
  }
  return files;
}

/** Builds the snapshot of a store of `visits` visits through the store's own code, into
 *  target/bench-web/seeds/<name>/main.db; resolves to its size. */
export function seed(name, visits) {
  const out = join(SEEDS_DIR, name);
  // BENCH_SEED_PROFILE=dev: the seeder of the test build (slower to run, nothing to build
  // after `cargo test`); release by default.
  const profile = process.env.BENCH_SEED_PROFILE === 'dev' ? [] : ['--release'];
  execFileSync('cargo', ['run', '-q', ...profile, '-p', 'zakupka-client', '--example', 'web_seed', '--', out, String(visits)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return statSync(join(out, 'main.db')).size;
}

/** Puts the snapshot into the browser's IndexedDB as the app's release before issue 10
 *  kept it, from a page of the app's origin that runs none of the app. */
async function putSnapshot(page, url, name) {
  await page.goto(`${url}bench-blank.html`);
  await page.evaluate(async (base) => {
    const res = await fetch(`${base}main.db`);
    if (!res.ok) throw new Error(`main.db: ${res.status}`);
    const main = new Uint8Array(await res.arrayBuffer());
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('zakupka', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('snapshots');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('snapshots', 'readwrite', { durability: 'strict' });
      tx.objectStore('snapshots').put(main, 'main');
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('aborted'));
    });
    db.close();
  }, `/bench-seed/${name}/`);
}

// --- loads and memory --------------------------------------------------------------------

// Installed before any page script: the time from navigation start (performance.now()'s
// origin) to the first frame painted with the home screen in the DOM.
export function watchHome() {
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
    const observer = new MutationObserver(() => {
      // Another tab still holding the store would make this load wait for it.
      if (document.querySelector('[data-testid="open-elsewhere"]')) window.__elsewhere = true;
      if (found()) { observer.disconnect(); painted(); }
    });
    observer.observe(document, { subtree: true, childList: true });
  };
  start();
}

/** Opens the app in a new tab of `context` (the previous one closed, so its store is free)
 *  and resolves to { ms, page } once the home screen is painted. */
async function load(context, url, throttle) {
  const page = await context.newPage();
  const crashed = new Promise((_, reject) => page.on('crash', () => reject(new Error('the tab crashed'))));
  crashed.catch(() => {});
  if (throttle) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await page.addInitScript(watchHome);
  // The tab closed before may still hold the store's Web Lock for a moment (long after a
  // heavy page): start from a blank page of the origin once it holds no lock at all.
  await page.goto(`${url}bench-blank.html`);
  await page.waitForFunction(async () => (await navigator.locks.query()).held.length === 0, null, { timeout: 60000, polling: 100 });
  await page.goto(url, { waitUntil: 'commit' });
  const shown = page.waitForFunction(() => window.__homeVisible, null, { timeout: 120000, polling: 50 });
  const ms = await Promise.race([shown.then((h) => h.jsonValue()), crashed]);
  if (await page.evaluate(() => window.__elsewhere === true)) throw new Error('the load waited for another tab');
  return { ms, page };
}

/** Times `n` loads to the home screen, each in a fresh tab. */
async function loads(context, url, n, throttle) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const { ms, page } = await load(context, url, throttle);
    times.push(ms);
    // Let the writes the app makes on opening land before the tab goes.
    await page.waitForTimeout(300);
    await page.close();
  }
  return times;
}

/** Bytes of every WebAssembly memory of the page and of its dedicated workers: the wasm
 *  `memory.buffer.byteLength` of each instance, found on the heap through the DevTools
 *  protocol (Runtime.queryObjects), so the app needs no hook and a store moved into a
 *  worker is counted too. */
async function wasmMemory(browser, page) {
  const query = async (send) => {
    const { result } = await send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const { objects } = await send('Runtime.queryObjects', { prototypeObjectId: result.objectId });
    const sum = await send('Runtime.callFunctionOn', {
      objectId: objects.objectId, returnByValue: true,
      functionDeclaration: 'function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }',
    });
    return sum.result.value;
  };
  const cdp = await page.context().newCDPSession(page);
  let bytes = await query((method, params) => cdp.send(method, params));
  // Workers: through the browser's session, in the protocol's message-passing mode.
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await session.send('Target.getTargets');
    const workers = targetInfos.filter((t) => t.type === 'worker');
    for (const w of workers) {
      const { sessionId } = await session.send('Target.attachToTarget', { targetId: w.targetId, flatten: false });
      let id = 0;
      const pending = new Map();
      session.on('Target.receivedMessageFromTarget', (e) => {
        if (e.sessionId !== sessionId) return;
        const msg = JSON.parse(e.message);
        const p = pending.get(msg.id);
        if (p) { pending.delete(msg.id); msg.error ? p.reject(new Error(msg.error.message)) : p.resolve(msg.result); }
      });
      const send = (method, params) => new Promise((resolve, reject) => {
        id += 1;
        pending.set(id, { resolve, reject });
        session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
      bytes += await query(send);
      await session.send('Target.detachFromTarget', { sessionId });
    }
    return { bytes, workers: workers.length };
  } finally {
    await session.detach();
  }
}

// --- taps and photos ---------------------------------------------------------------------

// Installed in the app's page: watches one action through to the «Сохранено» mark that
// confirms it, and adds the baselines outside the app's root element: a button that puts
// SMALL_WRITE bytes into IndexedDB (strict durability, committed at once, as the app's
// store does), a button whose worker writes them to an OPFS file and flushes, and a file
// input that puts the file's bytes into IndexedDB; each then shows its own mark.
function installWatch(smallWrite) {
  const bench = {
    /** Arms the watch for the next `event` (click or change); `bench.pending` resolves with
     *  the times (performance.now()) of its pointerup (taps), of the event's dispatch, of
     *  the mark `mark` turning to "saving", and of it turning to "saved" after that. */
    arm(event, mark) {
      let pointerUp = null;
      let started = null;
      let shown = null;
      const onUp = () => { pointerUp ??= performance.now(); };
      const onStart = () => { started ??= performance.now(); };
      // Window capture listeners run before any listener of the page.
      addEventListener('pointerup', onUp, { capture: true });
      addEventListener(event, onStart, { capture: true });
      bench.pending = new Promise((resolve, reject) => {
        // The mark before the action is stale; the action's write sets "saving", and
        // "saved" comes only in a later task, when the write is durable.
        const check = () => {
          const save = document.querySelector(mark);
          if (save?.classList.contains('failed')) { done(); reject(new Error(`save failed: ${save.textContent}`)); return; }
          if (shown === null && started !== null && save?.classList.contains('saving')) shown = performance.now();
          if (shown !== null && save?.classList.contains('saved')) {
            const saved = performance.now();
            done();
            resolve({ pointerUp: pointerUp ?? started, started, shown, saved });
          }
        };
        const observer = new MutationObserver(check);
        const timer = setTimeout(() => { done(); reject(new Error(`no "saved" after ${event}`)); }, 60000);
        const done = () => {
          observer.disconnect();
          clearTimeout(timer);
          removeEventListener('pointerup', onUp, { capture: true });
          removeEventListener(event, onStart, { capture: true });
        };
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      });
    },
    /** Shows or hides the baselines (hidden, they cannot cover the app's buttons). */
    baseline(visible) { box.style.display = visible ? 'flex' : 'none'; },
  };
  const db = new Promise((resolve, reject) => {
    const req = indexedDB.open('bench-baseline', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('values');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const put = async (bytes, key) => {
    const d = await db;
    await new Promise((resolve, reject) => {
      const tx = d.transaction('values', 'readwrite', { durability: 'strict' });
      tx.objectStore('values').put(bytes, key);
      tx.commit();
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  };
  // The OPFS file is opened once, as a store keeps its files open.
  const worker = new Worker(URL.createObjectURL(new Blob([`
    let handle = null;
    onmessage = async (e) => {
      try {
        if (!handle) {
          const root = await navigator.storage.getDirectory();
          handle = await (await root.getFileHandle('bench-baseline', { create: true })).createSyncAccessHandle();
        }
        if (e.data) { handle.write(e.data, { at: 0 }); handle.flush(); }
        postMessage('ok');
      } catch (err) { postMessage(String(err)); }
    };`], { type: 'text/javascript' })));
  const opfs = (bytes) => new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data === 'ok' ? resolve() : reject(new Error(e.data)));
    worker.postMessage(bytes);
  });
  bench.ready = opfs(null).then(() => true, (e) => String(e));
  const box = document.createElement('div');
  box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;height:64px;z-index:99999;display:none;gap:8px;align-items:center;background:#fff';
  const mark = document.createElement('span');
  mark.dataset.testid = 'bench-mark';
  mark.className = 'idle';
  const control = (tag, testid, write) => {
    const e = document.createElement(tag);
    e.dataset.testid = testid;
    e.style.cssText = 'flex:1;height:56px';
    if (tag === 'input') e.type = 'file'; else e.textContent = testid;
    e.addEventListener(tag === 'input' ? 'change' : 'click', async () => {
      mark.className = 'saving';
      mark.textContent = '…';
      try {
        await write(e);
        mark.className = 'saved';
        mark.textContent = '✓ Сохранено';
      } catch (err) {
        mark.className = 'failed';
        mark.textContent = String(err);
      }
    });
    return e;
  };
  // A fresh copy each time, as a store hands over fresh bytes.
  const small = () => new Uint8Array(smallWrite).fill(7);
  box.append(
    control('button', 'bench-idb', () => put(small(), 'small')),
    control('button', 'bench-opfs', () => opfs(small())),
    control('input', 'bench-file', async (input) => put(new Uint8Array(await input.files[0].arrayBuffer()), 'photo')),
    mark,
  );
  document.body.append(box);
  window.__bench = bench;
}

/** Starts a visit from the home screen; the page gets the watch and the baselines once. */
async function startVisit(page) {
  await page.click('[data-testid="start-visit"]');
  await page.fill('[data-testid="office-search"]', 'Клин');
  await page.click('[data-office] >> nth=0');
  await page.click('[data-scenario] >> nth=0');
  await page.fill('[data-testid="auditor"]', 'auditor1');
  await page.click('[data-testid="begin"]');
  await page.waitForSelector('[data-testid="checklist"]');
  await page.waitForSelector('[data-testid="save-state"].saved');
  if (!(await page.evaluate(() => !!window.__bench))) await page.evaluate(installWatch, SMALL_WRITE);
  const opfs = await page.evaluate(() => window.__bench.ready);
  return { opfs: opfs === true ? null : opfs };
}

/** The answer buttons of the open section, per item: [item id, [values]]. */
async function buttonsByItem(page) {
  return page.$$eval('article[data-item]', (cards) => cards
    .map((c) => [c.dataset.item, [...c.querySelectorAll('.answers button[data-value]')].map((b) => b.dataset.value)])
    .filter(([, values]) => values.length >= 2));
}

async function watched(page, event, mark, act) {
  await page.evaluate(([e, m]) => window.__bench.arm(e, m), [event, mark]);
  await act();
  const t = await page.evaluate(() => window.__bench.pending);
  await page.waitForTimeout(TAP_GAP_MS);
  return t.saved - t.pointerUp;
}

let traced = false;

/** `taps` taps on answers of the open visit, each followed by a tap on a baseline button,
 *  IndexedDB and OPFS in turn; resolves to the durations, tap to mark, in ms. */
async function taps(page, count, opfs) {
  const items = await buttonsByItem(page);
  if (items.length === 0) throw new Error('no answer buttons in the first section');
  const out = { app: [], idb: [], opfs: [] };
  const tap = (selector, mark) => watched(page, 'click', mark, () => page.tap(selector));
  // BENCH_TRACE=file: a Chromium performance trace of 30 taps of the first store tapped
  // (open it in chrome://tracing or the DevTools Performance tab).
  const tracing = process.env.BENCH_TRACE && !traced ? process.env.BENCH_TRACE : null;
  traced ||= Boolean(tracing);
  const browser = page.context().browser();
  for (let n = 0; n < count + WARMUP_TAPS; n++) {
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
    // A baseline between the app's taps, so both see the same machine.
    const kind = opfs === null && n % 2 === 1 ? 'opfs' : 'idb';
    await page.evaluate(() => window.__bench.baseline(true));
    const b = await tap(`[data-testid="bench-${kind}"]`, '[data-testid="bench-mark"]');
    await page.evaluate(() => window.__bench.baseline(false));
    if (n >= WARMUP_TAPS) { out.app.push(a); out[kind].push(b); }
  }
  return out;
}

/** Adds each photo through the app's file input of the first item that takes photos, each
 *  followed, with `bare`, by the same file through the baseline's input; resolves to the
 *  durations, change to mark, in ms, and why the app stopped if it did. */
async function photoAdds(page, files, bare) {
  const id = await page.getAttribute('article[data-item]:has(.photo-add)', 'data-item');
  const shown = `article[data-item="${id}"] .photos figure`;
  const out = { app: [], bare: [], failed: null };
  for (const file of files) {
    const before = (await page.$$(shown)).length;
    try {
      out.app.push(await watched(page, 'change', '[data-testid="save-state"]',
        () => page.setInputFiles(`article[data-item="${id}"] input[type="file"]`, file)));
    } catch (e) {
      // The app's own words: "save failed: <the mark's text>".
      out.failed = String(e.message ?? e).split('\n')[0].replace(/^page\.evaluate: Error: /, '');
      return out;
    }
    const after = (await page.$$(shown)).length;
    if (after !== before + 1) throw new Error(`the photo was not added (${before} -> ${after} shown)`);
    if (bare) {
      out.bare.push(await watched(page, 'change', '[data-testid="bench-mark"]',
        () => page.setInputFiles('[data-testid="bench-file"]', file)));
    }
  }
  return out;
}

/** Keeps the photos as an auditor does: five to each of new draft visits, through the app;
 *  stops at the first the app cannot save. Resolves to the photos kept and each add's time. */
async function keepPhotos(page, files) {
  const out = { kept: 0, visits: 0, times: [], failed: null };
  for (let i = 0; i < files.length && !out.failed; i += 5) {
    await startVisit(page);
    out.visits += 1;
    const adds = await photoAdds(page, files.slice(i, i + 5), false);
    out.times.push(...adds.app);
    out.kept += adds.app.length;
    out.failed = adds.failed;
    await page.click('[data-testid="home-button"]');
    await page.waitForSelector('[data-testid="home"]');
  }
  return out;
}

// --- one store ---------------------------------------------------------------------------

/** Measures what `plan` asks on a store of `store.visits` seeded visits (none: the empty
 *  store of a new browser) and `plan.keep` photos, in a browser of its own. */
export async function measureStore(url, store, plan) {
  const { browser, context } = await phone();
  const errors = [];
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(String(e))));
  try {
    if (store.visits > 0) {
      const page = await context.newPage();
      await putSnapshot(page, url, store.name);
      await page.close();
    }
    const out = {};
    // The warm-up: a store of a later release migrates the snapshot here.
    const warm = await load(context, url, 0);
    out.firstLoad = warm.ms;
    await warm.page.waitForTimeout(1000);
    if (plan.keep?.length) out.keep = await keepPhotos(warm.page, plan.keep);
    await warm.page.close();
    if (plan.loads) {
      out.loads = await loads(context, url, plan.loads, 0);
      out.throttled = await loads(context, url, plan.loads, 4);
    }
    const { page } = await load(context, url, 0);
    // Settled: what loading allocated and freed is done.
    await page.waitForTimeout(1500);
    out.memory = await wasmMemory(browser, page);
    // What is measured is the store meant: the seeded visits and the visits the photos were
    // kept in are on the home screen (a store that lost them on migrating would be measured
    // empty). A home screen that lists only the latest of many is fine; none is not.
    const shown = await page.evaluate(() => ['submitted', 'drafts'].map((l) => document.querySelectorAll(`[data-testid="${l}"] > li`).length));
    const drafts = out.keep?.visits ?? 0;
    if ((store.visits > 0) !== (shown[0] > 0) || shown[0] > store.visits || shown[1] !== drafts) {
      throw new Error(`home shows ${shown[0]} submitted and ${shown[1]} draft visits, not ${store.visits} and ${drafts}`);
    }
    out.listed = shown[0];
    if (plan.taps || plan.photos) {
      const { opfs } = await startVisit(page);
      out.opfsError = opfs;
      if (plan.taps) out.taps = await taps(page, plan.taps, opfs);
      if (plan.photos) out.photos = await photoAdds(page, plan.photos, true);
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return out;
  } finally {
    await browser.close();
  }
}
