// Benchmark (not part of the test suite): an end-to-end browser share of a
// large file on loopback — encrypt + upload from the Share page, and
// download + decrypt + verify from the Vault page — against raw WebCrypto
// AES-256-GCM over the same number of bytes in the same page, chunked as the
// vault format chunks (16 KiB per call). Prints JSON: one `vault-share`
// record with the figures measured, and `error` (exit 1) when a stage
// failed — what was measured before it still counts.
//
// The file sent is a real file on disk (deleted afterwards); the received
// plaintext goes to a save picker that only hashes it (the origin's storage
// quota cannot hold 2 GiB) and is then compared with the file sent. The
// page's JS heap is sampled over CDP meanwhile (peak in the record).
//
//   QV_SERVER_BIN=… QV_SITE_DIR=dist node tests/bench/vault-share.mjs
//   QV_BENCH_MIB=1024 (default) · QV_BENCH_PIPELINE=worker|page (default worker)
//   QV_BENCH_PROFILE=1: also report the server's time in upload requests
//   (from its request log), to tell server-bound from client-bound shares.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch } from '../support/browser.mjs';
import { createIdentity, openDrives } from '../support/drives.mjs';
import { installOpfsPicker } from '../support/opfs.mjs';
import { installHashingSavePicker, verifyHashedSave } from '../support/save_picker.mjs';
import { startServer } from '../support/server.mjs';

const MIB = Number(process.env.QV_BENCH_MIB || 1024);
const PIPELINE = process.env.QV_BENCH_PIPELINE || 'worker';
const LONG = { timeout: 60 * 60_000 };
const PROFILE = process.env.QV_BENCH_PROFILE === '1';

const work = await mkdtemp(join(tmpdir(), 'qv-bench-'));
const server = await startServer(PROFILE ? { env: { RUST_LOG: 'info,tower_http=debug' } } : {});
const browser = await launch();
const record = { bench: 'vault-share', mib: MIB, pipeline: PIPELINE };
let stage = 'setup';
let heap;
try {
  const path = join(work, 'bench.bin');
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await open(path, 'w');
  for (let done = 0; done < MIB * 1048576; done += block.length) await fh.write(block, 0, Math.min(block.length, MIB * 1048576 - done));
  await fh.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await installOpfsPicker(page);
  await installHashingSavePicker(page);
  await openDrives(page, server.url);
  await createIdentity(page, { primary: 'bench-usb', backup: 'bench-backup', passphrase: 'violet harbour quietly nine lanterns bench' });
  const nav = (label) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await nav('Vault');
  await page.getByLabel('Username').fill('bench');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('signed-in-as').waitFor(LONG);

  stage = 'raw WebCrypto anchor';
  // Raw WebCrypto AES-256-GCM over the same bytes, in the same page. The
  // anchor (`raw_webcrypto_mib_s`) uses the vault format's chunking — one
  // call per 16 KiB chunk, 64 calls in flight, as the app's batches do — so
  // the ratio measures the pipeline, not the format's chunk size. For
  // reference, 1 MiB per call (8 in flight) is reported as well.
  const raw = (chunkBytes, inflightMax) => page.evaluate(async ([mib, chunkBytes, inflightMax]) => {
    const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
    const chunk = new Uint8Array(chunkBytes);
    for (let i = 0; i < chunkBytes; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(chunkBytes, i + 65536)));
    const calls = (mib * 1048576) / chunkBytes;
    const t0 = performance.now();
    let inflight = [];
    for (let i = 0; i < calls; i++) {
      const iv = new Uint8Array(12);
      new DataView(iv.buffer).setUint32(8, i);
      inflight.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, chunk));
      if (inflight.length >= inflightMax) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);
    return (performance.now() - t0) / 1000;
  }, [MIB, chunkBytes, inflightMax]);
  const rawSecs = await raw(16384, 64);
  const raw1MiBSecs = await raw(1048576, 8);

  const rate = (secs) => Number((MIB / secs).toFixed(1));
  record.raw_webcrypto_mib_s = rate(rawSecs);
  record.raw_secs = Number(rawSecs.toFixed(3));
  record.raw_webcrypto_1mib_calls_mib_s = rate(raw1MiBSecs);
  heap = await watchHeap(page);

  // Share (encrypt + upload) to oneself.
  stage = 'share';
  await nav('Share');
  if (PIPELINE === 'page') await page.evaluate(() => history.replaceState(history.state, '', '/share?pipeline=page'));
  await page.getByLabel('Files to share').setInputFiles(path);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Encrypt and share' }).click();
  const result = page.getByTestId('share-result');
  await result.waitFor(LONG);
  const shareSecs = (Date.now() - t0) / 1000;
  const shareText = await result.textContent();
  if ((await result.getAttribute('data-ok')) !== 'true') throw new Error(shareText);
  Object.assign(record, { share_mib_s: rate(shareSecs), share_vs_raw: Number((rawSecs / shareSecs).toFixed(3)), share_secs: shareSecs });
  record.share_vs_raw_1mib_calls = Number((raw1MiBSecs / shareSecs).toFixed(3));

  // Receive: download + decrypt + verify into a hashing "Save as" file.
  stage = 'receive';
  await nav('Vault');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('tr[data-name="bench.bin"]').waitFor(LONG);
  const t1 = Date.now();
  await page.getByRole('button', { name: 'Download bench.bin' }).click();
  const got = page.getByTestId('download-result');
  await got.waitFor(LONG);
  const receiveSecs = (Date.now() - t1) / 1000;
  if ((await got.getAttribute('data-ok')) !== 'true') throw new Error(await got.textContent());
  stage = 'verify the received file';
  await verifyHashedSave(page, 'bench.bin', path);
  Object.assign(record, { receive_mib_s: rate(receiveSecs), receive_vs_raw: Number((rawSecs / receiveSecs).toFixed(3)), receive_secs: receiveSecs });
  record.js_heap_peak_mib = await heap.stop();
  if (PROFILE) {
    // Upload requests as the server saw them: time from request to response.
    const patchMs = [...server.logs.join('').replace(/\x1b\[[0-9;]*m/g, '').matchAll(/method=PATCH[^\n]*?latency=(\d+) ms/g)].map((m) => Number(m[1]));
    record.profile = { upload_requests: patchMs.length, upload_request_ms_sum: patchMs.reduce((a, b) => a + b, 0), upload_request_ms_max: Math.max(0, ...patchMs) };
  }
} catch (e) {
  record.error = `${stage}: ${String(e?.message ?? e).split('\n')[0]}`;
  process.exitCode = 1;
} finally {
  await heap?.stop().catch(() => undefined);
  console.log(JSON.stringify(record));
  await browser.close();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
}

/** Samples the page's (main thread's) V8 heap over CDP every 200 ms; `stop()` resolves to the peak in MiB. */
async function watchHeap(page) {
  const cdp = await page.context().newCDPSession(page);
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      peak = Math.max(peak, usedSize);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  loop.catch(() => undefined); // a closed page ends the sampling; stop() still reports the failure
  let stopped;
  return {
    stop() {
      stopped ??= (async () => {
        running = false;
        await loop;
        await cdp.detach().catch(() => undefined);
        return Number((peak / 1048576).toFixed(1));
      })();
      return stopped;
    },
  };
}
