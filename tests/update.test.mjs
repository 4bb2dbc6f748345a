// End to end: a new deploy is offered to the user, taken on their click, and
// leaves exactly one cache behind.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { launch, watchErrors } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

test('a new deploy shows "Reload to update" and switches only when clicked', async () => {
  // Serve a private copy of the built site, so the test can "deploy" over it.
  const site = await mkdtemp(join(tmpdir(), 'qv-site-'));
  await cp(process.env.QV_SITE_DIR, site, { recursive: true });
  const server = await startServer({ site });
  const browser = await launch();
  try {
    const page = await (await browser.newContext()).newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    assert.equal(await page.getByRole('button', { name: 'Reload to update' }).count(), 0);

    // Deploy "version 2": a different shell and therefore a different worker.
    const html = await readFile(join(site, 'index.html'), 'utf8');
    await writeFile(join(site, 'index.html'), html.replace('<head>', '<head>\n  <meta name="qv-deploy" content="2">'));
    await rm(join(site, 'index.html.gz'), { force: true });
    const sw = await readFile(join(site, 'sw.js'), 'utf8');
    await writeFile(join(site, 'sw.js'), sw.replace(/const VERSION = "([0-9a-f]+)"/, 'const VERSION = "$1-2"'));
    await rm(join(site, 'sw.js.gz'), { force: true });

    // The next visit finds the new worker, which waits; the page offers the switch.
    await page.reload();
    const button = page.getByRole('button', { name: 'Reload to update' });
    await button.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('meta[name="qv-deploy"]').count(), 0, 'old version stays until the user agrees');

    await Promise.all([page.waitForEvent('load'), button.click()]);
    await page.getByRole('heading', { level: 1, name: /sealed for the quantum age/i }).waitFor();
    assert.equal(await page.locator('meta[name="qv-deploy"]').getAttribute('content'), '2');
    const caches = await page.evaluate(() => caches.keys());
    assert.equal(caches.length, 1, `old caches are deleted: ${caches}`);
    assert.match(caches[0], /-2$/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.cleanup();
    await rm(site, { recursive: true, force: true });
  }
});
