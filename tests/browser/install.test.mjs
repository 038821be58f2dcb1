// First load and installing on a phone: served by the real server over http://127.0.0.1 (a
// secure context), the wasm comes compressed and stripped, the page passes Chromium's own
// installability check, the manifest's icons are PNGs of the sizes it states, and they are
// in the offline cache like the rest of the app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './harness.mjs';

let server, profile, context, page;

before(async () => {
  server = await startServer();
  // The phone of harness.mjs, but with a profile on disk: Chromium installs nothing from an
  // incognito profile, which is what a fresh context is.
  profile = mkdtempSync(join(tmpdir(), 'zk-install-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ru-RU',
  });
  page = context.pages()[0] ?? await context.newPage();
});
after(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Width and height from a PNG's header (the IHDR chunk always comes first). */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

test('the first load gets the optimised wasm compressed, under a name that may be kept', async () => {
  const wasm = page.waitForResponse((r) => /^\/zakupka_bg-[0-9a-f]{16}\.wasm$/.test(new URL(r.url()).pathname));
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="home"]');
  const response = await wasm;
  // Chromium offers brotli to loopback too, as to any secure origin.
  const headers = await response.allHeaders();
  const encoding = headers['content-encoding'];
  assert.equal(encoding, 'br');
  // Named by its content's hash, it may be kept: a new build is a new name.
  assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
  const { responseBodySize } = await response.request().sizes();
  const body = await response.body();
  assert.ok(responseBodySize * 2 < body.length, `${encoding} sent ${responseBodySize} of ${body.length} bytes`);
  // Without the names section, which only names functions in stack traces.
  const custom = WebAssembly.Module.customSections(new WebAssembly.Module(body), 'name');
  assert.equal(custom.length, 0, 'no names section');
  await page.evaluate(() => navigator.serviceWorker.ready);
});

test('Chromium finds the app installable, with icons of 192, 512 and a maskable 512', async () => {

  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, [], 'no installability errors');

  const { url: manifestUrl, errors, data } = await cdp.send('Page.getAppManifest');
  assert.deepEqual(errors, [], 'the manifest parses without errors');
  const manifest = JSON.parse(data);
  const icons = manifest.icons ?? [];
  const has = (sizes, purpose) => icons.some((i) => i.sizes === sizes && (i.purpose ?? 'any').split(' ').includes(purpose));
  assert.ok(has('192x192', 'any'), 'a 192 px icon');
  assert.ok(has('512x512', 'any'), 'a 512 px icon');
  assert.ok(has('512x512', 'maskable'), 'a maskable 512 px icon');

  for (const icon of icons) {
    const res = await fetch(new URL(icon.src, manifestUrl));
    assert.equal(res.status, 200, `${icon.src} is served`);
    assert.equal(res.headers.get('content-type'), 'image/png', `${icon.src} is a PNG`);
    assert.equal(icon.type, 'image/png', `${icon.src} is declared a PNG`);
    assert.equal(pngSize(Buffer.from(await res.arrayBuffer())), icon.sizes, `${icon.src} is ${icon.sizes}`);
  }

  // The page names an icon for iOS's home screen, which ignores the manifest's.
  const apple = await page.getAttribute('link[rel="apple-touch-icon"]', 'href');
  assert.ok(apple, 'an apple-touch-icon link');
  assert.equal((await fetch(new URL(apple, server.url))).headers.get('content-type'), 'image/png');
  await cdp.detach();
});

test('reopened offline, the installed app and its icons come from the cache', async () => {
  const icons = await page.evaluate(async () => (await (await fetch('manifest.webmanifest')).json()).icons.map((i) => i.src));
  assert.ok(icons.length >= 3, 'the manifest names its icons');
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('[data-testid="home"]');
  for (const src of icons) {
    const status = await page.evaluate(async (s) => (await fetch(s)).status, src);
    assert.equal(status, 200, `${src} offline`);
  }
  await context.setOffline(false);
});
