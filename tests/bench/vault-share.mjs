// Benchmark (not part of the test suite): an end-to-end browser share of a
// large file on loopback — encrypt + upload from the Share page, and
// download + decrypt + verify from the Vault page — against raw WebCrypto
// AES-256-GCM over the same number of bytes in the same page, chunked as the
// vault format chunks (16 KiB per call). Prints JSON: one `vault-share`
// record with the figures measured, and `error` (exit 1) when a stage
// failed — what was measured before it still counts.
//
// The file sent is a real file on disk (deleted afterwards); the received
// plaintext goes to a real file through the save picker (a file in the
// origin's private file system, on disk in this Chromium's profile: the
// background worker writes it directly), is compared with the file sent by
// slices, and deleted. The page's JS heap is sampled meanwhile (peak in the
// record).
//
// Playwright sets everything up, then lets go of the browser while the share
// and the receive run (tests/support/detached.mjs): attached, DevTools copies
// every upload body into its own events and the app ran ~10× slower than
// for a real user.
//
//   QV_SERVER_BIN=… QV_SITE_DIR=dist node tests/bench/vault-share.mjs
//   QV_BENCH_MIB=1024 (default) · QV_BENCH_PIPELINE=worker|page (default worker)
//   QV_BENCH_PROFILE=1: also report the server's time in upload requests
//   (from its request log), to tell server-bound from client-bound shares.
//   QV_BENCH_CPUPROFILE=share|receive: print, on stderr, a 4-second CPU
//   profile of the background worker in the middle of that stage (needs
//   `node --experimental-websocket` on Node 20; names need a dist built
//   with QV_WASM_KEEP_NAMES=1).
//   QV_BENCH_THREADS=1: print, on stderr, the busiest threads of Chromium
//   and the server during the share and the receive (CPU seconds, /proc).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchDetachable, measureTransfer, startDetached, transferCeilingWorker } from '../support/detached.mjs';
import { createIdentity, openDrives } from '../support/drives.mjs';
import { installOpfsPicker } from '../support/opfs.mjs';
import { installSavePicker, verifySaved } from '../support/save_picker.mjs';
import { startServer } from '../support/server.mjs';
import { profileWorkers } from '../support/cpu_profile.mjs';
import { threadCpu } from '../support/thread_cpu.mjs';

const MIB = Number(process.env.QV_BENCH_MIB || 1024);
const PIPELINE = process.env.QV_BENCH_PIPELINE || 'worker';
const LONG = { timeout: 60 * 60_000 };
const PROFILE = process.env.QV_BENCH_PROFILE === '1';

const work = await mkdtemp(join(tmpdir(), 'qv-bench-'));
// A private copy of the site with one file added: the worker that measures
// the browser's plain transfer ceiling, served from /transfer/ so it runs
// where the app's transfer workers run (public/transfer/sw.js).
const site = join(work, 'site');
await cp(process.env.QV_SITE_DIR, site, { recursive: true });
const CEILING_SCRIPT = '/transfer/bench-ceiling.js';
await writeFile(join(site, CEILING_SCRIPT), transferCeilingWorker());
const server = await startServer({ site, ...(PROFILE ? { env: { RUST_LOG: 'info,tower_http=debug' } } : {}) });
let stage = 'setup';
const chrome = await launchDetachable();
const renderer = rendererRss(chrome.pid);
const threads = process.env.QV_BENCH_THREADS === '1' ? threadCpu([chrome.pid, server.pid]) : null;
let browser = await chrome.connect();
const record = { bench: 'vault-share', mib: MIB, pipeline: PIPELINE };
try {
  const path = join(work, 'bench.bin');
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await open(path, 'w');
  for (let done = 0; done < MIB * 1048576; done += block.length) await fh.write(block, 0, Math.min(block.length, MIB * 1048576 - done));
  await fh.close();

  let page = await browser.contexts()[0].newPage();
  await installOpfsPicker(page);
  await installSavePicker(page);
  await openDrives(page, server.url);
  await createIdentity(page, { primary: 'bench-usb', backup: 'bench-backup', passphrase: 'violet harbour quietly nine lanterns bench' });
  const nav = (label) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await nav('Vault');
  await page.getByLabel('Username').fill('bench');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('signed-in-as').waitFor(LONG);

  const rate = (secs) => Number((MIB / secs).toFixed(1));
  const mib = (bytes) => Number((bytes / 1048576).toFixed(1));

  // Starts `pageFn(arg)` in the page, lets go of the browser until the page
  // says it is done, and returns what the page measured.
  const detached = async (pageFn, arg) => {
    const url = page.url();
    await page.evaluate(pageFn, arg);
    await browser.close();
    if (process.env.QV_BENCH_CPUPROFILE === stage) {
      // The click comes 5 s after the start; profile the work after it.
      await new Promise((r) => setTimeout(r, 6500));
      console.error(`CPU profile during ${stage}:\n${(await profileWorkers(chrome.endpoint, { secs: 4 })).join('\n')}`);
    }
    await chrome.waitForTitle('qv-bench:done', LONG.timeout);
    browser = await chrome.connect();
    page = browser.contexts()[0].pages().find((p) => p.url() === url);
    if (!page) throw new Error('the page is gone');
    const bench = await page.evaluate(() => {
      document.title = window.__qvBench.title;
      return window.__qvBench;
    });
    if (!bench.ok) throw new Error(bench.text);
    return bench;
  };
  const click = async (button, result) => {
    const before = threads?.snapshot();
    const out = await detached(startDetached, { button, result, delayMs: 5000 });
    if (threads) console.error(`threads during ${stage} (${out.secs.toFixed(1)} s of work, 5 s idle before it):\n${threads.report(before, threads.snapshot(), out.secs + 5)}`);
    return out;
  };

  // Share (encrypt + upload) to oneself.
  stage = 'share';
  await nav('Share');
  if (PIPELINE === 'page') await page.evaluate(() => history.replaceState(history.state, '', '/share?pipeline=page'));
  await setLocalFile(page, page.getByLabel('Files to share'), path);
  record.renderer_rss_before_mib = mib(renderer.now() * 1024);
  renderer.begin();
  const shared = await click('Encrypt and share', 'share-result');
  record.renderer_rss_share_peak_mib = mib(renderer.end() * 1024);
  const shareSecs = shared.secs;
  record.share_js_heap_peak_mib = mib(shared.heapPeakBytes);
  record.share_js_heap_start_mib = mib(shared.heapStartBytes);
  Object.assign(record, { share_mib_s: rate(shareSecs), share_secs: shareSecs });

  // Receive: download + decrypt + verify into a hashing "Save as" file.
  stage = 'receive';
  await nav('Vault');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('tr[data-name="bench.bin"]').waitFor(LONG);
  renderer.begin();
  const received = await click('Download bench.bin', 'download-result');
  record.renderer_rss_receive_peak_mib = mib(renderer.end() * 1024);
  record.renderer_rss_flow_peak_mib = Math.max(record.renderer_rss_share_peak_mib, record.renderer_rss_receive_peak_mib);
  const receiveSecs = received.secs;
  record.receive_js_heap_peak_mib = mib(received.heapPeakBytes);
  record.receive_js_heap_start_mib = mib(received.heapStartBytes);
  stage = 'verify the received file';
  await verifySaved(page, 'bench.bin', path, { remove: true });
  Object.assign(record, { receive_mib_s: rate(receiveSecs), receive_secs: receiveSecs });
  record.js_heap_peak_mib = Math.max(record.share_js_heap_peak_mib, record.receive_js_heap_peak_mib);

  // The anchors run after the flow: what they allocate stays in the
  // renderer, and the flow's memory is measured on a renderer that has
  // done nothing else.
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

  record.raw_webcrypto_mib_s = rate(rawSecs);
  record.raw_secs = Number(rawSecs.toFixed(3));
  record.raw_webcrypto_1mib_calls_mib_s = rate(raw1MiBSecs);
  record.share_vs_raw = Number((rawSecs / shareSecs).toFixed(3));
  record.share_vs_raw_1mib_calls = Number((raw1MiBSecs / shareSecs).toFixed(3));
  record.receive_vs_raw = Number((rawSecs / receiveSecs).toFixed(3));

  // The browser's own upload and download speed to this server, without
  // encryption: the ceiling the share and the receive can approach.
  stage = 'transfer ceiling';
  const ceiling = await detached(measureTransfer, { script: CEILING_SCRIPT, mib: MIB, pieceMib: 16 });
  record.raw_upload_mib_s = rate(ceiling.upload_secs);
  record.raw_download_mib_s = rate(ceiling.download_secs);
  record.raw_download_save_mib_s = rate(ceiling.download_save_secs);

  record.share_vs_upload_ceiling = Number((ceiling.upload_secs / shareSecs).toFixed(3));
  record.receive_vs_download_ceiling = Number((ceiling.download_secs / receiveSecs).toFixed(3));
  record.receive_vs_download_save_ceiling = Number((ceiling.download_save_secs / receiveSecs).toFixed(3));
  if (PROFILE) {
    // Upload requests as the server saw them: time from request to response.
    const patchMs = [...server.logs.join('').replace(/\x1b\[[0-9;]*m/g, '').matchAll(/method=PATCH[^\n]*?latency=(\d+) ms/g)].map((m) => Number(m[1]));
    record.profile = { upload_requests: patchMs.length, upload_request_ms_sum: patchMs.reduce((a, b) => a + b, 0), upload_request_ms_max: Math.max(0, ...patchMs) };
  }
} catch (e) {
  record.error = `${stage}: ${String(e?.message ?? e).split('\n')[0]}`;
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(record));
  await browser.close().catch(() => undefined);
  renderer.stop();
  await chrome.close();
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
}

/**
 * Gives a file input a file on this machine by path (Playwright refuses
 * files over 50 MB over a CDP connection, which it cannot tell is local).
 */
async function setLocalFile(page, input, path) {
  await input.evaluate((el) => el.setAttribute('data-bench-input', ''));
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-bench-input]' });
    await cdp.send('DOM.setFileInputFiles', { nodeId, files: [path] });
  } finally {
    await cdp.detach();
  }
}

/**
 * Resident memory (VmRSS, KiB) of this Chromium's renderer processes, the
 * largest one, sampled from /proc every 100 ms: `now()`, and the peak
 * between `begin()` and `end()`, so each stage's memory is its own (the
 * kernel's high-water mark would carry over from earlier stages).
 */
function rendererRss(browserPid) {
  const children = (pid) => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  // Renderers are forked by a zygote: grandchildren of the browser. (Their
  // command line says `--type=renderer` unless Chromium could not rename
  // them, e.g. under GLIBC_TUNABLES; then it still says `--type=zygote`.)
  const now = () => {
    let largest = 0;
    for (let todo = [[browserPid, 0]]; todo.length; ) {
      const [pid, depth] = todo.pop();
      todo.push(...children(pid).map((c) => [c, depth + 1]));
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (depth < 2 || /--type=(utility|gpu-process)/.test(cmdline)) continue;
        const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        largest = Math.max(largest, kib);
      } catch {
        // the process ended meanwhile
      }
    }
    return largest;
  };
  let peak = 0;
  const started = Date.now();
  let ticks = 0;
  const timer = setInterval(() => {
    const kib = now();
    peak = Math.max(peak, kib);
    // QV_BENCH_TRACE=1: the renderer's memory once a second, on stderr.
    if (process.env.QV_BENCH_TRACE && ticks++ % 10 === 0) console.error(`rss ${((Date.now() - started) / 1000).toFixed(1)} s ${(kib / 1024).toFixed(0)} MiB ${stage}`);
  }, 100);
  return {
    now,
    begin() { peak = now(); },
    end() { return Math.max(peak, now()); },
    stop() { clearInterval(timer); },
  };
}
