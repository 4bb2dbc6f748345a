// A Chromium that Playwright can let go of while a measurement runs.
//
// Playwright enables the DevTools Network domain on every page and worker it
// attaches to, and Chromium then copies each request body into the
// `Network.requestWillBeSent` event (base64, over the DevTools pipe): a
// 16 MiB upload piece costs ~22 MB of JSON. Under Playwright the app's uploads
// run ~10× slower than for a real user (measured: 17 vs 230 MiB/s for 16 MiB
// array bodies). Benchmarks therefore start the work, disconnect, and watch
// the page's title through the DevTools HTTP endpoint, which attaches to
// nothing, before connecting again to read what the page recorded.
//
//   const chrome = await launchDetachable();
//   let browser = await chrome.connect();     // Playwright, over CDP
//   ... set up; page.evaluate(startDetached, …); await browser.close();  // detaches only
//   await chrome.waitForTitle('qv-bench:done');
//   browser = await chrome.connect();         // read window.__qvBench
//   await chrome.close();
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS } from './browser.mjs';

/** Starts Chromium with a DevTools port and an empty profile of its own. */
export async function launchDetachable() {
  const profile = await mkdtemp(join(tmpdir(), 'qv-chromium-'));
  const child = spawn(
    process.env.QV_CHROMIUM || '/usr/bin/chromium',
    [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let said = '';
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not open its DevTools port: ${said.slice(-500)}`)), 30_000);
    child.stderr.on('data', (d) => {
      said += d;
      const m = said.match(/DevTools listening on (ws:\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`Chromium exited (${code}): ${said.slice(-500)}`)));
  });
  const port = new URL(endpoint).port;
  return {
    pid: child.pid,
    /** The browser's DevTools WebSocket (for raw CDP, e.g. `cpu_profile.mjs`). */
    endpoint,
    /** Playwright attached over CDP; `browser.close()` detaches and leaves the pages running. */
    connect: () => chromium.connectOverCDP(endpoint),
    /** Resolves when a page's title starts with `prefix` (polled without attaching); rejects after `ms`. */
    async waitForTitle(prefix, ms) {
      const until = Date.now() + ms;
      for (;;) {
        const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
        const hit = targets.find((t) => t.type === 'page' && t.title.startsWith(prefix));
        if (hit) return hit.title;
        if (Date.now() > until) throw new Error(`no page titled "${prefix}…" after ${ms / 1000} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs in the page: clicks the button named `button` after `delayMs` (time
 * for Playwright to detach), then times until the element with test id
 * `result` appears, sampling the page's JS heap (from a collected start). Leaves
 * `window.__qvBench = { secs, ok, text, heapPeakBytes, title }` and sets the
 * title to `qv-bench:done` (`title` is the one to put back).
 */
export function startDetached({ button, result, delayMs }) {
  const bench = { heapPeakBytes: 0, heapStartBytes: 0, title: document.title };
  window.__qvBench = bench;
  // Looked up when clicked: the page may re-render its rows meanwhile.
  const find = () => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === button || b.getAttribute('aria-label') === button);
  if (!find()) throw new Error(`no button "${button}"`);
  const sample = () => {
    bench.heapPeakBytes = Math.max(bench.heapPeakBytes, performance.memory?.usedJSHeapSize ?? 0);
  };
  let timer;
  let before;
  const finish = () => {
    const el = document.querySelector(`[data-testid="${result}"]`);
    if (bench.t0 === undefined || !el || el === before || bench.secs !== undefined) return;
    bench.secs = (performance.now() - bench.t0) / 1000;
    bench.ok = el.getAttribute('data-ok') === 'true';
    bench.text = el.textContent;
    sample();
    clearInterval(timer);
    observer.disconnect();
    document.title = 'qv-bench:done';
  };
  const observer = new MutationObserver(finish);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  setTimeout(() => {
    const target = find();
    if (!target || target.disabled) {
      bench.text = `the button "${button}" was gone or disabled when clicked`;
      bench.secs = 0;
      clearInterval(timer);
      observer.disconnect();
      document.title = 'qv-bench:done';
      return;
    }
    // Start from a collected heap, so the peak is this stage's and not the
    // garbage of what ran before. Collected only now, after Playwright let
    // go: while DevTools is attached it keeps promise chains alive (seen:
    // 40 MB after the raw WebCrypto anchor, freed once detached). `gc`
    // exists thanks to --expose-gc.
    globalThis.gc?.();
    globalThis.gc?.();
    bench.heapStartBytes = performance.memory?.usedJSHeapSize ?? 0;
    timer = setInterval(sample, 200);
    before = document.querySelector(`[data-testid="${result}"]`);
    bench.t0 = performance.now();
    target.click();
    finish();
  }, delayMs);
}

/**
 * The browser's own transfer ceiling on this machine — `mib` MiB of random
 * bytes uploaded to the vault server in `pieceMib` MiB PATCH requests, each a
 * fresh copy of one array (as the app sends them, without encryption),
 * finalised, then downloaded by one plain `fetch()` whose stream is only
 * counted, then downloaded again straight into a file (a writable, as the
 * app saves a received file), then deleted. Needs a signed-in session (its
 * cookie). Runs in a worker (see {@link transferCeilingWorker}); returns
 * `{ upload_secs, download_secs, download_save_secs }`.
 */
export async function transferCeiling({ mib, pieceMib }) {
  const api = '/api/v1';
  const size = mib * 1048576;
  const piece = new Uint8Array(pieceMib * 1048576);
  for (let i = 0; i < piece.length; i += 65536) crypto.getRandomValues(piece.subarray(i, i + 65536));
  const check = async (r) => {
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    return r;
  };
  const info = await (await check(await fetch(`${api}/files`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size, recipients: [] }) }))).json();
  try {
    const out = {};
    let t0 = performance.now();
    for (let off = 0; off < size; off += piece.length) {
      // A fresh copy per request, as the app sends (see app/src/vault/send.rs).
      const body = piece.slice(0, Math.min(piece.length, size - off));
      await check(await fetch(`${api}/files/${info.id}/content`, { method: 'PATCH', headers: { 'Upload-Offset': String(off), 'content-type': 'application/octet-stream' }, body }));
    }
    out.upload_secs = (performance.now() - t0) / 1000;
    await check(await fetch(`${api}/files/${info.id}/finalize`, { method: 'POST' }));
    t0 = performance.now();
    const reader = (await check(await fetch(`${api}/files/${info.id}/content`))).body.getReader();
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
    }
    out.download_secs = (performance.now() - t0) / 1000;
    if (got !== size) throw new Error(`downloaded ${got} of ${size} bytes`);
    // The same download piped straight into a file (origin private file
    // system, a writable as a picked file gets): what saving costs here.
    const root = await navigator.storage.getDirectory();
    const file = await root.getFileHandle('qv-bench-ceiling.bin', { create: true });
    try {
      t0 = performance.now();
      const response = await check(await fetch(`${api}/files/${info.id}/content`));
      await response.body.pipeTo(await file.createWritable());
      out.download_save_secs = (performance.now() - t0) / 1000;
      const saved = (await file.getFile()).size;
      if (saved !== size) throw new Error(`saved ${saved} of ${size} bytes`);
    } finally {
      await root.removeEntry('qv-bench-ceiling.bin');
    }
    return out;
  } finally {
    await fetch(`${api}/files/${info.id}`, { method: 'DELETE' });
  }
}

/**
 * The source of a worker script that runs {@link transferCeiling} on the
 * message it gets and posts back `{ ok, text?, upload_secs?, download_secs? }`.
 * Served from `/transfer/`, it runs where the app's own transfers run (under
 * the pass-through service worker, `public/transfer/sw.js`), so the ceiling
 * and the app are measured alike.
 */
export function transferCeilingWorker() {
  return `const transferCeiling = ${transferCeiling.toString()};
self.onmessage = async (event) => {
  try {
    self.postMessage({ ok: true, ...(await transferCeiling(event.data)) });
  } catch (e) {
    self.postMessage({ ok: false, text: String(e?.message ?? e) });
  }
};
`;
}

/**
 * Runs in the page: starts the worker at `script` (see
 * {@link transferCeilingWorker}) with `{ mib, pieceMib }`. Leaves
 * `window.__qvBench = { ok, text, upload_secs, download_secs, title }` and
 * sets the title to `qv-bench:done`.
 */
export function measureTransfer({ script, mib, pieceMib }) {
  const bench = { title: document.title };
  window.__qvBench = bench;
  const worker = new Worker(script);
  const done = (result) => {
    Object.assign(bench, result);
    worker.terminate();
    document.title = 'qv-bench:done';
  };
  worker.onmessage = (event) => done(event.data);
  worker.onerror = (event) => done({ ok: false, text: `the ceiling worker failed: ${event.message ?? 'could not load'}` });
  worker.postMessage({ mib, pieceMib });
}
