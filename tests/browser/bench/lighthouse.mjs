// Lighthouse's performance and accessibility (npm `lighthouse`, mobile preset: simulated slow 4G and 4x CPU throttling) in
// Debian's Chromium against the release web build as zakupka-server serves it (brotli and
// gzip, versioned names kept a year), and as the baseline the same dist/ from a plain static
// server with no compression and no cache lifetime, in the same run. Not part of `npm test`.
// Run `scripts/build-web` and `cargo build -p zakupka-server` first, then
// `node tests/browser/bench/lighthouse.mjs`. LH_RUNS (default 3) runs per target; the run
// with the median score is printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ROOT, serveDist, startServer } from '../harness.mjs';

const RUNS = Number(process.env.LH_RUNS ?? 3);
const TARGETS = { score: 90, cls: 0.1, accessibility: 100 };
const BIN = join(ROOT, 'node_modules', '.bin', 'lighthouse');

/** One Lighthouse run of the performance and accessibility categories; resolves to the figures it reports. */
function lighthouse(url) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, [url, '--only-categories=performance,accessibility', '--output=json', '--output-path=stdout', '--quiet',
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu'],
    { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) { reject(new Error(`lighthouse exited with ${code}`)); return; }
      const report = JSON.parse(out);
      const a = report.audits;
      resolve({
        score: Math.round(report.categories.performance.score * 100),
        accessibility: Math.round(report.categories.accessibility.score * 100),
        // The accessibility audits that failed, by id (none at 100).
        failedA11y: report.categories.accessibility.auditRefs.map((r) => a[r.id])
          .filter((x) => x && x.score !== null && x.score < 1 && x.scoreDisplayMode === 'binary').map((x) => x.id),
        fcp: a['first-contentful-paint'].numericValue,
        lcp: a['largest-contentful-paint'].numericValue,
        cls: a['cumulative-layout-shift'].numericValue,
        tbt: a['total-blocking-time'].numericValue,
        si: a['speed-index'].numericValue,
        // What the simulated load spent its main-thread time on (script evaluation, compile).
        bootup: a['bootup-time'].numericValue,
        wasm: (a['network-requests'].details?.items ?? []).filter((r) => /\.wasm$/.test(r.url))
          .map((r) => `${r.transferSize} B sent`).join(', '),
        // What limits the score, as measured: the element the LCP is and the long tasks.
        lcpElement: (a['lcp-breakdown-insight']?.details?.items ?? []).find((i) => i.type === 'node')?.selector ?? '?',
        longTasks: (a['long-tasks']?.details?.items ?? []).map((t) => `${Math.round(t.duration)} ms at ${s(t.startTime)}`
          + ` (${t.url.split('/').pop()})`),
        throughputKbps: report.configSettings.throttling.downloadThroughputKbps,
        warnings: report.runWarnings ?? [],
      });
    });
  });
}

async function median(url) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await lighthouse(url));
  runs.sort((x, y) => x.score - y.score);
  return runs[Math.floor(runs.length / 2)];
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
function print(name, r) {
  console.log(`${name}: performance ${r.score}, FCP ${s(r.fcp)}, LCP ${s(r.lcp)}, CLS ${r.cls.toFixed(3)}, TBT ${Math.round(r.tbt)} ms,`
    + ` speed index ${s(r.si)}, main-thread script ${s(r.bootup)}; wasm ${r.wasm || '?'}`);
  console.log(`  accessibility ${r.accessibility}${r.failedA11y.length ? `; failed: ${r.failedA11y.join(', ')}` : ''}`);
  console.log(`  LCP element ${r.lcpElement}; long tasks (4x CPU): ${r.longTasks.join(', ') || 'none'}`);
  for (const w of r.warnings) console.log(`  warning: ${w}`);
}

console.log(`lighthouse, mobile preset, median of ${RUNS} runs each; load average ${loadavg()[0].toFixed(2)}`);
const server = await startServer();
const plain = await serveDist();
try {
  const app = await median(server.url);
  const base = await median(plain.url);
  print('zakupka-server (brotli, cached)', app);
  print('baseline: plain static server  ', base);
  console.log(`ratio LCP ${(app.lcp / base.lcp).toFixed(2)}x, score ${app.score} vs ${base.score}`);
  // The simulated network's share of the LCP: the wasm's bytes at the preset's throughput.
const wasmBytes = Number.parseInt(app.wasm, 10);
if (wasmBytes) console.log(`the wasm alone takes ${s((wasmBytes * 8) / app.throughputKbps)} at the preset's ${Math.round(app.throughputKbps)} kbit/s`);
console.log(`target performance >= ${TARGETS.score}: ${app.score >= TARGETS.score ? 'MET' : 'MISSED'};`
    + ` CLS < ${TARGETS.cls}: ${app.cls < TARGETS.cls ? 'MET' : 'MISSED'};`
    + ` accessibility ${TARGETS.accessibility}: ${app.accessibility >= TARGETS.accessibility ? 'MET' : 'MISSED'}`);
} finally {
  server.close();
  await plain.close();
}
