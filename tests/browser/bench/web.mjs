// Measurements of the release web build in Debian's Chromium (not part of `npm test`):
//   1. the app against the store an auditor accumulates (issue 10; web-store.mjs): tap ->
//      «Сохранено» with 0, 300 and 1,000 kept visits against a bare durable write, wasm
//      memory with 60 photos of 3+ MB against none, adding a photo with 0 and 60 kept, and
//      the load to the home screen of 1,000 visits and 60 photos against the empty store;
//   2. first render of the home screen with 4x CPU throttling, against the same screen as a
//      static page with no script (cold: a new browser each time);
//   3. the size of the release wasm, raw and gzip -9.
// Run `scripts/build-web` first, then `node tests/browser/bench/web.mjs` (or `scripts/bench
// web`, which does both). It runs `cargo run --release -p zakupka-client --example web_seed`
// to build the stores, and makes the photos once with ImageMagick into target/bench-web/.
// Sample sizes: BENCH_TAPS (app taps per store, 160), BENCH_STORE_LOADS (loads of each kind
// per store, 5), BENCH_PHOTO_ADDS (3), BENCH_LOADS (cold loads, 7); BENCH_STORES=empty,v1000
// measures only those stores (empty v300 v1000 v1000p60); BENCH_SEED_PROFILE=dev builds the
// stores with the test build's seeder instead of a release one; BENCH_JSON=file keeps every sample;
// BENCH_TRACE=file writes a Chromium performance trace of 30 taps.
import { createServer } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { DIST, phone } from '../harness.mjs';
import { WORK, measureStore, percentile, photos, seed, watchHome } from './web-store.mjs';

const TAPS = Number(process.env.BENCH_TAPS ?? 160);
const LOADS = Number(process.env.BENCH_LOADS ?? 7);
const STORE_LOADS = Number(process.env.BENCH_STORE_LOADS ?? 5);
const ADDS = Number(process.env.BENCH_PHOTO_ADDS ?? 3);
const KEPT_PHOTOS = 60;
const TARGETS = {
  // Issue 5.
  saveP99Ms: 16, firstRenderMs: 2000, wasmGzipBytes: 2 * 1024 * 1024,
  // Issue 10.
  tapP50Growth: 1.2, tapP99OfBare: 1.3, memoryGrowth: 1.25, addPhotoMs: 300, loadGrowth: 2, throttledLoadMs: 1500,
};

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json', '.css': 'text/css',
};

/** Serves dist/ as the browser tests do (harness.mjs), plus in-memory pages for baselines
 *  and the seeded stores' snapshots under /bench-seed/ (from target/bench-web/seeds/). */
async function serve(extra) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const headers = (type) => ({ 'content-type': type, 'cache-control': 'no-cache' });
    if (extra.has(path)) {
      res.writeHead(200, headers(TYPES['.html'])).end(extra.get(path));
      return;
    }
    const [root, rel] = path.startsWith('/bench-seed/') ? [join(WORK, 'seeds'), path.slice('/bench-seed/'.length)] : [DIST, path];
    const file = join(root, rel.endsWith('/') ? join(rel, 'index.html') : rel);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
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

const ms = (x) => `${x.toFixed(2)} ms`;
const verdict = (ok) => (ok ? 'MET' : 'MISSED');

// --- 2. first render -------------------------------------------------------------------

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

const STORES = [
  { name: 'empty', visits: 0, plan: (kept, added) => ({ loads: STORE_LOADS, taps: TAPS, photos: added }) },
  { name: 'v300', visits: 300, plan: () => ({ taps: TAPS }) },
  { name: 'v1000', visits: 1000, plan: () => ({ taps: TAPS }) },
  { name: 'v1000p60', visits: 1000, plan: (kept, added) => ({ keep: kept, loads: STORE_LOADS, photos: added }) },
];

const fmtMs = (x) => `${x.toFixed(1)} ms`;
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const median = (xs) => percentile(xs, 50);
const rows = [];
/** One line of the table: the figure, its same-run baseline, the ratio, the target. */
function row(figure, value, baseline, ratio, target, met) {
  rows.push(`| ${figure} | ${value} | ${baseline} | ${ratio === null ? '' : ratio.toFixed(2)} | ${target} | ${met === null ? '' : verdict(met)} |`);
}

const extra = new Map([['/bench-blank.html', '<!doctype html><title>bench</title>']]);
const server = await serve(extra);
const started = Date.now();
try {
  const size = await wasmSize();
  const staticPage = await staticHome(server.url);
  extra.set('/static-home.html', staticPage);

  const wanted = process.env.BENCH_STORES?.split(',') ?? STORES.map((s) => s.name);
  const files = photos(KEPT_PHOTOS + ADDS);
  const [kept, added] = [files.slice(0, KEPT_PHOTOS), files.slice(KEPT_PHOTOS)];
  const results = {};
  for (const store of STORES.filter((s) => wanted.includes(s.name))) {
    const snapshot = store.visits > 0 ? seed(store.name, store.visits) : 0;
    const t0 = Date.now();
    try {
      results[store.name] = { ...(await measureStore(server.url, store, store.plan(kept, added))), snapshot };
    } catch (e) {
      // A tab that dies under its store is a figure too.
      results[store.name] = { failed: String(e.message ?? e) };
    }
    const r = results[store.name];
    const photosKept = r.keep ? `, ${r.keep.kept} photos kept${r.keep.failed ? ` (the next: ${r.keep.failed})` : ''}` : '';
    console.log(`store ${store.name}: ${store.visits} visits (snapshot ${mib(snapshot)})${photosKept}, measured in ${((Date.now() - t0) / 1000).toFixed(0)} s${r.failed ? `: FAILED ${r.failed}` : ''}`);
  }
  const render = await firstRender(server.url, `${server.url}static-home.html`);

  // --- issue 10 ---
  const ok = (name) => results[name] && !results[name].failed;
  const empty = results.empty;
  for (const name of ['empty', 'v300', 'v1000']) {
    if (!ok(name)) continue;
    const t = results[name].taps;
    const label = name === 'empty' ? 'no visits' : `${Number(name.slice(1)).toLocaleString('en')} visits`;
    row(`tap → «Сохранено» p50, ${label} (${t.app.length} taps)`, fmtMs(median(t.app)), `bare IndexedDB put of ${kib(4096)}, tap → mark: ${fmtMs(median(t.idb))}`, median(t.app) / median(t.idb), '', null);
    const bare = percentile(t.idb, 99);
    const opfs = t.opfs.length ? `; OPFS write + flush in a worker ${fmtMs(percentile(t.opfs, 99))} (ratio ${(percentile(t.app, 99) / percentile(t.opfs, 99)).toFixed(2)})` : '';
    row(`tap → «Сохранено» p99, ${label}`, fmtMs(percentile(t.app, 99)), `bare IndexedDB put p99 ${fmtMs(bare)}${opfs}`, percentile(t.app, 99) / bare, `≤ ${TARGETS.tapP99OfBare}× bare`, percentile(t.app, 99) <= TARGETS.tapP99OfBare * bare);
    if (name === 'v1000' && ok('empty')) {
      const r = median(t.app) / median(empty.taps.app);
      row('tap → «Сохранено» p50, 1,000 visits against none', fmtMs(median(t.app)), `no visits: ${fmtMs(median(empty.taps.app))}`, r, `≤ ${TARGETS.tapP50Growth}×`, r <= TARGETS.tapP50Growth);
    }
  }
  const full = results.v1000p60;
  const photosOf = (r) => `${r.keep.kept} photos${r.keep.failed ? ` (the ${r.keep.kept + 1}th not saved)` : ''}`;
  if (ok('v1000p60') && ok('v1000')) {
    const [a, b] = [full.memory, results.v1000.memory];
    const met = full.keep.kept === KEPT_PHOTOS && a.bytes / b.bytes <= TARGETS.memoryGrowth;
    row(`wasm memory after loading 1,000 visits and ${photosOf(full)}`, mib(a.bytes), `1,000 visits, no photos: ${mib(b.bytes)}`, a.bytes / b.bytes, `≤ ${TARGETS.memoryGrowth}× with ${KEPT_PHOTOS} photos`, met);
  }
  if (ok('v1000p60')) {
    const t = full.keep.times;
    if (t.length) row(`add a 3+ MB photo while keeping them: the 1st, the ${t.length}th`, `${fmtMs(t[0])}, ${fmtMs(t[t.length - 1])}`, '', null, '', null);
  }
  for (const name of ['empty', 'v1000p60']) {
    if (!ok(name) || !results[name].photos) continue;
    const p = results[name].photos;
    const label = name === 'empty' ? 'none kept' : `with 1,000 visits and ${photosOf(full)}`;
    const times = `${p.app.map((x) => x.toFixed(0)).join(', ')} ms`;
    if (p.failed) {
      row(`add a 3+ MB photo, ${label}`, `not saved (${p.failed})`, '', null, `< ${TARGETS.addPhotoMs} ms`, false);
      continue;
    }
    const met = median(p.app) < TARGETS.addPhotoMs && (name === 'empty' || full.keep.kept === KEPT_PHOTOS);
    row(`add a 3+ MB photo, ${label} (median of ${times})`, fmtMs(median(p.app)), `the file read and put into IndexedDB: ${fmtMs(median(p.bare))}`, median(p.app) / median(p.bare), `< ${TARGETS.addPhotoMs} ms`, met);
  }
  if (ok('v1000p60') && ok('empty')) {
    const none = results.empty;
    const all = full.keep.kept === KEPT_PHOTOS;
    const r = median(full.loads) / median(none.loads);
    row(`load to home, 1,000 visits and ${photosOf(full)} (median of ${full.loads.length})`, fmtMs(median(full.loads)), `empty store: ${fmtMs(median(none.loads))}`, r, `≤ ${TARGETS.loadGrowth}×`, all && r <= TARGETS.loadGrowth);
    const rt = median(full.throttled) / median(none.throttled);
    row('the same, 4x CPU throttling', fmtMs(median(full.throttled)), `empty store: ${fmtMs(median(none.throttled))}`, rt, `< ${TARGETS.throttledLoadMs} ms`, all && median(full.throttled) < TARGETS.throttledLoadMs);
  }

  console.log(`Chromium, phone viewport 390x844; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; stores measured after one warm-up load each`);
  console.log('| figure | value | baseline (same run) | ratio | target | |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  for (const [name, r] of Object.entries(results)) {
    if (r.failed) { console.log(`  ${name}: FAILED: ${r.failed}`); continue; }
    const parts = [`home lists ${r.listed} submitted visits`, `first load (migration, if any) ${fmtMs(r.firstLoad)}`, `wasm memory ${mib(r.memory.bytes)}${r.memory.workers ? ` (with ${r.memory.workers} workers)` : ''}`];
    if (r.loads) parts.push(`loads [${r.loads.map((x) => x.toFixed(0)).join(', ')}] ms`, `4x throttled [${r.throttled.map((x) => x.toFixed(0)).join(', ')}] ms`);
    if (r.opfsError) parts.push(`no OPFS baseline: ${r.opfsError}`);
    console.log(`  ${name}: snapshot ${mib(r.snapshot)}; ${parts.join('; ')}`);
  }

  // --- issue 5 ---
  const appMedian = median(render.app);
  const bareMedian = median(render.bare);
  if (ok('empty')) {
    const t = empty.taps;
    console.log(`autosave tap→saved p99, empty store: ${ms(percentile(t.app, 99))} (baseline plain button tap→IndexedDB put→mark ${ms(percentile(t.idb, 99))}, ratio ${(percentile(t.app, 99) / percentile(t.idb, 99)).toFixed(2)}) target ≤ ${TARGETS.saveP99Ms} ms ${verdict(percentile(t.app, 99) <= TARGETS.saveP99Ms)}`);
  }
  console.log(`first render of home, 4x CPU throttling, median: ${ms(appMedian)} (baseline static home page ${ms(bareMedian)}, ratio ${(appMedian / bareMedian).toFixed(1)}) target ≤ ${TARGETS.firstRenderMs} ms ${verdict(appMedian <= TARGETS.firstRenderMs)}`);
  console.log(`  cold loads: app [${render.app.map((x) => x.toFixed(0)).join(', ')}] ms; static [${render.bare.map((x) => x.toFixed(0)).join(', ')}] ms; static page ${kib(staticPage.length)}`);
  console.log(`wasm ${size.name} gzip -9: ${size.gzip} bytes = ${(size.gzip / 1048576).toFixed(2)} MiB (baseline raw ${size.raw} bytes, ratio ${(size.gzip / size.raw).toFixed(3)}) target ≤ 2 MiB ${verdict(size.gzip <= TARGETS.wasmGzipBytes)}`);
  console.log(`web benchmark ran ${((Date.now() - started) / 60000).toFixed(1)} min`);
  if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify({ results, render, size }, null, 1));
} finally {
  await server.close();
}
