// End to end: the built app, served by the real server, in headless Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { watchErrors } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';

const env = serverAndBrowser();

test('the app renders, reports this browser correctly, and keeps working offline', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.server.url);

  // The wasm app rendered the shell and replaced the boot message.
  await page.getByRole('heading', { level: 1, name: /sealed for the quantum age/i }).waitFor();
  assert.equal(await page.locator('#boot-status').count(), 0);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).waitFor();
  assert.equal(await page.getByTestId('app-version').textContent(), (await (await fetch(`${env.server.url}/api/v1/health`)).json()).version);

  // Online status and server reachability.
  assert.equal(await page.getByRole('status').filter({ hasText: /^Online$/ }).count(), 1);
  await page.locator('[data-testid="server"][data-state="reachable"]').waitFor();

  // The capability report matches what this Chromium really has.
  const truth = await page.evaluate(() => ({
    'fs-access': 'showDirectoryPicker' in window,
    'save-picker': 'showSaveFilePicker' in window,
    opfs: !!navigator.storage?.getDirectory,
    webcrypto: !!crypto?.subtle,
    'secure-context': window.isSecureContext,
    offline: 'serviceWorker' in navigator,
    workers: 'Worker' in window,
  }));
  for (const [id, available] of Object.entries(truth)) {
    const shown = await page.locator(`[data-capability="${id}"]`).getAttribute('data-available');
    assert.equal(shown, String(available), `capability ${id}`);
  }
  // Headless Chromium on localhost has every one of these.
  assert.ok(Object.values(truth).every(Boolean), JSON.stringify(truth));
  assert.match(await page.getByTestId('capability-summary').textContent(), /Everything QuantumVault needs/);

  // The service worker installed and took control of the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await page.getByTestId('offline-copy').filter({ hasText: /Ready/ }).waitFor();

  // Offline: the browser reports no network and the server is gone; a reload
  // and a client-side route still come up from the service worker's cache.
  await context.setOffline(true);
  await env.server.stop();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /sealed for the quantum age/i }).waitFor();
  await page.getByRole('status').filter({ hasText: /^Offline$/ }).waitFor();
  await page.locator('[data-testid="server"][data-state="unreachable"]').waitFor();
  await page.goto(`${env.server.url}/drives`);
  await page.getByRole('heading', { level: 1, name: 'Drives' }).waitFor();

  const unexpected = errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR/.test(e));
  assert.deepEqual(unexpected, []);
  await context.close();
});
