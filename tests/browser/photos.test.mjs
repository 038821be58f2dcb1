// Photos in the web build: downscaled in the browser, kept as Blobs out of wasm memory,
// with their EXIF capture time and position kept as evidence and the EXIF itself gone.
// Test photos are made here with ImageMagick (`convert`), their EXIF written by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backToHome, phone, serveDist, startVisit } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const dir = mkdtempSync(join(tmpdir(), 'zk-photos-'));

/** A 4000x3000 (12 MP) JPEG of noise, about 4 MB as a phone's: left half red-ish, right
 *  half blue-ish, so a rotation shows in the pixels. Made once. */
let base;
function bigJpeg() {
  if (!base) {
    const file = join(dir, 'photo.jpg');
    execFileSync('convert', ['-size', '4000x3000', 'xc:rgb(200,40,40)',
      '(', '-size', '2000x3000', 'xc:rgb(40,40,200)', ')', '-geometry', '+2000+0', '-composite',
      '-seed', '3', '-attenuate', '0.35', '+noise', 'Gaussian', '-quality', '90', file]);
    base = readFileSync(file);
  }
  return base;
}

/** `bigJpeg()` made a different photo (other pixels, so another address once downscaled)
 *  without encoding 12 MP again: the last value of its first quantization table changed. */
function variant(n) {
  const jpeg = Buffer.from(bigJpeg());
  const dqt = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
  jpeg[dqt + 5 + 63] = 1 + (n % 200);
  return jpeg;
}

/** The APP1 EXIF segment: orientation 6 (rotate 90° clockwise to show), DateTimeOriginal
 *  and a GPS position (55°45'N 37°37'12"E), big-endian TIFF. */
function exifSegment() {
  const entries = [];
  const u16 = (v) => [v >> 8, v & 255];
  const u32 = (v) => [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];
  const entry = (tag, type, count, value) => entries.push([...u16(tag), ...u16(type), ...u32(count), ...value]);
  // IFD0 at 8: 3 entries -> 8 + 2 + 36 + 4 = 50. EXIF IFD at 50: 1 entry -> 68; time at 68
  // (20 bytes) -> GPS IFD at 88: 4 entries -> 88 + 2 + 48 + 4 = 142; rationals at 142.
  entry(0x0112, 3, 1, [0, 6, 0, 0]);
  entry(0x8769, 4, 1, u32(50));
  entry(0x8825, 4, 1, u32(88));
  const ifd0 = [...u16(3), ...entries.splice(0).flat(), ...u32(0)];
  entry(0x9003, 2, 20, u32(68));
  const exif = [...u16(1), ...entries.splice(0).flat(), ...u32(0)];
  const time = [...Buffer.from('2026:11:03 10:15:42'), 0];
  const N = u32(0x4e000000), E = u32(0x45000000);
  entry(1, 2, 2, N); entry(2, 5, 3, u32(142)); entry(3, 2, 2, E); entry(4, 5, 3, u32(166));
  const gps = [...u16(4), ...entries.splice(0).flat(), ...u32(0)];
  const rationals = [55, 45, 0, 37, 37, 12].flatMap((v) => [...u32(v), ...u32(1)]);
  const tiff = [0x4d, 0x4d, 0, 42, ...u32(8), ...ifd0, ...exif, ...time, ...gps, ...rationals];
  const body = [...Buffer.from('Exif\0\0'), ...tiff];
  return Buffer.from([0xff, 0xe1, ...u16(body.length + 2), ...body]);
}

/** `jpeg` with the EXIF segment right after SOI (replacing any APP1 convert wrote). */
function withExif(jpeg) {
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(), jpeg.subarray(2)]);
}

/** Starts a visit; `load` false: from the screen the app is on, without reloading it. */
async function newVisit(page, load = true) {
  if (load) await page.goto(server.url);
  await backToHome(page);
  await startVisit(page, { office: 'Серпухов', auditor: 'auditor2' });
  return page.getAttribute('article[data-item]:has(.photo-add)', 'data-item');
}

const wasmBytes = (page) => page.evaluate(() => globalThis.zakupkaWasmMemory?.buffer.byteLength ?? null);

/** The stored Blob of every photo, as the page's IndexedDB keeps it. */
const storedBlobs = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const req = indexedDB.open('zakupka-photos');
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const tx = req.result.transaction('blobs', 'readonly');
    const all = tx.objectStore('blobs').getAll();
    const keys = tx.objectStore('blobs').getAllKeys();
    tx.oncomplete = async () => resolve(await Promise.all(all.result.map(async (b, i) => {
      const bytes = new Uint8Array(await b.arrayBuffer());
      const img = await createImageBitmap(b);
      return { key: keys.result[i], size: b.size, type: b.type, w: img.width, h: img.height,
        head: Array.from(bytes.subarray(0, 4096)) };
    })));
  };
}));

test('a 12 MP phone photo is stored downscaled, upright, without EXIF, its time and place kept', async () => {
  const { browser, context } = await phone();
  try {
    const page = await context.newPage();
    const item = await newVisit(page);
    const photo = withExif(bigJpeg());
    assert.ok(photo.length > 3_000_000, `the original is ${photo.length} bytes`);
    await page.setInputFiles(`article[data-item="${item}"] input[type="file"]`, { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.waitForSelector(`article[data-item="${item}"] .photos img`);
    await page.waitForSelector('[data-testid="save-state"].saved');
    const [blob] = await storedBlobs(page);
    assert.ok(blob, 'the photo is a Blob in IndexedDB «zakupka-photos»');
    assert.ok(blob.size < 800 * 1024, `stored ${blob.size} bytes`);
    // Orientation 6: the 4000x3000 original shows 3000 wide, 4000 high, so 1536x2048.
    assert.deepEqual([blob.w, blob.h], [1536, 2048]);
    // Rotated clockwise, the red left half is on top.
    const top = await page.evaluate(async () => {
      const img = document.querySelector('.photos img');
      const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const at = (y) => Array.from(g.getImageData(img.naturalWidth / 2, y, 1, 1).data);
      return { top: at(10), bottom: at(img.naturalHeight - 10) };
    });
    assert.ok(top.top[0] > top.top[2] && top.bottom[2] > top.bottom[0], JSON.stringify(top));
    // No EXIF: no APP1 "Exif" segment among the stored file's first bytes.
    const head = Buffer.from(blob.head);
    assert.equal(head.indexOf(Buffer.from('Exif\0\0')), -1, 'the stored photo carries no EXIF');
    // The evidence is kept with the photo (and goes with the visit to the server): the
    // camera's time and position show under it.
    const sha = await page.getAttribute(`article[data-item="${item}"] figure[data-sha256]`, 'data-sha256');
    assert.equal(sha, blob.key);
    assert.equal(await page.textContent(`article[data-item="${item}"] [data-testid="photo-evidence"]`),
      '03.11.2026 10:15 · 55.75000, 37.62000');
  } finally {
    await browser.close();
  }
});

test('wasm memory stays near the empty figure after 20 large photos, and they show after a reload', async (t) => {
  const { browser, context } = await phone();
  try {
    const page = await context.newPage();
    await newVisit(page);
    const empty = await wasmBytes(page);
    assert.ok(empty, 'the app exposes its wasm memory');
    // An item holds five photos: 20 photos go over the photo items of a few visits.
    let added = 0;
    for (let v = 0; added < 20; v++) {
      if (v > 0) await newVisit(page, false);
      const cards = await page.$$eval('article[data-item]:has(.photo-add)', (a) => a.map((e) => e.getAttribute('data-item')));
      for (const id of cards) {
        for (let k = 0; k < 5 && added < 20; k++, added++) {
          const buffer = variant(added);
          await page.setInputFiles(`article[data-item="${id}"] input[type="file"]`, { name: `p${added}.jpg`, mimeType: 'image/jpeg', buffer });
          await page.waitForFunction(([id, n]) => document.querySelectorAll(`article[data-item="${id}"] .photos figure`).length === n, [id, k + 1]);
        }
        if (added >= 20) break;
      }
    }
    await page.waitForSelector('[data-testid="save-state"].saved');
    const full = await wasmBytes(page);
    t.diagnostic(`wasm memory: ${(empty / 2 ** 20).toFixed(1)} MB empty, ${(full / 2 ** 20).toFixed(1)} MB after 20 photos`);
    assert.ok(full < empty + 16 * 1024 * 1024, `wasm memory ${empty} -> ${full} bytes after 20 photos of ~4 MB`);
    await page.reload();
    await page.waitForSelector('[data-testid="checklist"]');
    await page.waitForFunction(() => [...document.querySelectorAll('.photos img')].some((i) => i.complete && i.naturalWidth > 0));
    assert.ok((await storedBlobs(page)).length >= 20);
  } finally {
    await browser.close();
  }
});
