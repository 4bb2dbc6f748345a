// Cold and warm load time of the built app (issue 8), for `cargo xtask bench`.
//
// Cold: a fresh browser context (empty cache, no service worker) loads the
// app from the real server on loopback. Warm: the same context, once the
// service worker controls it, goes offline and reloads, so everything comes
// from the service worker's cache. Time is the page's own clock: navigation
// start → the wasm app has rendered its heading. Prints JSON lines.
//
// QV_SERVER_BIN=... QV_SITE_DIR=dist QV_CHROMIUM=/usr/bin/chromium node scripts/bench-load.mjs
import { launch } from '../tests/support/browser.mjs';
import { startServer } from '../tests/support/server.mjs';

const ROUNDS = process.env.QV_BENCH_SMOKE === '1' ? 1 : 7;
const TIMEOUT = 120_000;

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Milliseconds from navigation start until the app has rendered. */
async function rendered(page) {
  await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => document.getElementById('boot-status') === null, null, { timeout: TIMEOUT });
  return page.evaluate(() => performance.now());
}

const server = await startServer();
const browser = await launch();
try {
  const cold = [];
  const warm = [];
  for (let i = 0; i < ROUNDS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url, { timeout: TIMEOUT });
    cold.push(await rendered(page));
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: TIMEOUT });
    await page.getByTestId('offline-copy').filter({ hasText: /Ready/ }).waitFor({ timeout: TIMEOUT });
    await context.setOffline(true);
    await page.reload({ timeout: TIMEOUT });
    warm.push(await rendered(page));
    await context.close();
  }
  console.log(JSON.stringify({ bench: 'load_cold', rounds: ROUNDS, ms: median(cold), all_ms: cold }));
  console.log(JSON.stringify({ bench: 'load_warm_offline', rounds: ROUNDS, ms: median(warm), all_ms: warm }));
} finally {
  await browser.close();
  await server.cleanup();
}
