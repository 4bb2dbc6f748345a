// End to end: the BB84 Lab in headless Chromium, against the real server.
// Runs happen in the background worker (a real module Web Worker running
// our wasm), report progress, can be cancelled, and work offline.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { watchErrors } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';

const env = serverAndBrowser();

const LONG = { timeout: 120_000 };

async function openLab(context) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${env.server.url}/lab`);
  await page.getByRole('heading', { level: 1, name: 'BB84 Lab' }).waitFor(LONG);
  return { page, errors };
}

test('a small run happens in the worker and shows figures, timeline and photon table', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openLab(context);
  await page.getByLabel('Preset').selectOption('small');
  assert.equal(await page.getByLabel('Photons (pulses)').inputValue(), '64');
  await page.getByRole('button', { name: 'Run simulation' }).click();

  // The run happened in a module worker loaded from the app's bundle.
  await page.getByTestId('lab-figures').waitFor(LONG);
  const workers = page.workers().map((w) => w.url());
  assert.ok(workers.some((u) => /\/pkg-[0-9a-f]{16}\/worker\.js$/.test(u)), JSON.stringify(workers));

  // 64 photons are too few for a key: the run aborts and says why.
  await page.locator('[data-outcome="aborted"]').waitFor();
  const rows = page.getByTestId('photon-table').locator('tbody tr');
  assert.equal(await rows.count(), 64);
  const timeline = page.getByRole('list', { name: 'Timeline' });
  assert.ok((await timeline.getByRole('listitem').count()) >= 5);
  await timeline.locator('[data-event="prepared"] summary').click();
  await timeline.getByText(/Random bits in random bases/).waitFor();

  // Stepping through the timeline.
  await page.getByRole('button', { name: 'Replay step by step' }).click();
  assert.equal(await timeline.getByRole('listitem').count(), 1);
  await page.getByRole('button', { name: 'Next step' }).click();
  assert.equal(await timeline.getByRole('listitem').count(), 2);
  await page.getByRole('button', { name: 'Show all steps' }).click();
  assert.ok((await timeline.getByRole('listitem').count()) >= 5);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a default run distils a key, with progress; a long run can be cancelled', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openLab(context);
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.locator('[data-outcome="key"]').waitFor(LONG);
  const figures = await page.getByTestId('lab-figures').textContent();
  assert.match(figures, /identical/);
  const timeline = page.getByRole('list', { name: 'Timeline' });
  assert.ok((await timeline.locator('[data-event="cascade_pass"]').count()) >= 1);
  await timeline.locator('[data-event="final_key"]').waitFor();

  // A big run: progress appears, then Cancel stops it.
  await page.getByLabel('Photons (pulses)').fill('20000000');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  const bar = page.getByRole('progressbar', { name: 'Simulation progress' });
  await page.waitForFunction(() => {
    const p = document.querySelector('progress[aria-label="Simulation progress"]');
    return p && Number(p.value) > 0;
  }, null, LONG);
  assert.ok(await bar.isVisible());
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await page.getByTestId('lab-cancelled').waitFor(LONG);
  assert.ok(await page.getByRole('button', { name: 'Run simulation' }).isEnabled());

  // The next run starts a fresh worker and still works.
  await page.getByLabel('Photons (pulses)').fill('100000');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.locator('[data-outcome="key"]').waitFor(LONG);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad settings are reported in plain words', async () => {
  const context = await env.browser.newContext();
  const { page } = await openLab(context);
  await page.getByLabel('Noise / misalignment (%)').fill('lots');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.getByRole('alert').filter({ hasText: /Noise: “lots” is not a number/ }).waitFor(LONG);
  await page.getByLabel('Noise / misalignment (%)').fill('80');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.getByRole('alert').filter({ hasText: /noise/ }).waitFor(LONG);
  await context.close();
});

test('the plots are simulated in the worker and drawn as accessible SVG with data tables', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openLab(context);
  await page.getByRole('button', { name: 'Draw plots' }).click();
  await page.getByRole('progressbar', { name: 'Plot progress' }).waitFor(LONG);
  await page.getByRole('status').filter({ hasText: 'All four plots are drawn.' }).waitFor({ timeout: 600_000 });
  const names = ['QBER vs eavesdropping', 'Secret key fraction vs QBER', 'Key rate vs distance', 'Cascade efficiency vs QBER'];
  for (const name of names) {
    const figure = page.getByRole('figure', { name });
    const img = figure.getByRole('img', { name: new RegExp(`^${name}: `) });
    assert.equal(await img.evaluate((e) => e.tagName.toLowerCase()), 'svg');
    assert.ok((await img.locator('circle').count()) >= 5, name);
    // The data table alternative, behind a disclosure.
    await figure.getByText(`Data table: ${name}`).click();
    assert.ok((await figure.getByRole('table').locator('tbody tr').count()) >= 5, name);
  }
  // Full intercept-resend gives a QBER near 25%: the table's last row.
  const qber = page.getByRole('figure', { name: names[0] }).getByRole('table');
  const last = await qber.locator('tbody tr').last().locator('td').allTextContents();
  assert.equal(last[0], '100.00%');
  assert.ok(Math.abs(parseFloat(last[1]) - 25) < 1, last.join(' | '));
  // Cascade stays within 10% of the Shannon limit at 1–5% QBER.
  const rows = await page.getByRole('figure', { name: names[3] }).getByRole('table').locator('tbody tr').all();
  for (const row of rows.slice(0, 5)) {
    const cells = await row.locator('td').allTextContents();
    assert.ok(parseFloat(cells[1]) <= 1.10 && parseFloat(cells[1]) >= 1.0, cells.join(' | '));
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('drawing plots can be cancelled', async () => {
  const context = await env.browser.newContext();
  const { page } = await openLab(context);
  await page.getByRole('button', { name: 'Draw plots' }).click();
  await page.waitForFunction(() => {
    const p = document.querySelector('progress[aria-label="Plot progress"]');
    return p && Number(p.value) > 0;
  }, null, LONG);
  await page.getByRole('button', { name: 'Cancel plots' }).click();
  await page.getByTestId('plots-cancelled').waitFor(LONG);
  assert.ok(await page.getByRole('button', { name: 'Draw plots' }).isEnabled());
  assert.ok((await page.getByRole('figure').count()) < 4);
  await context.close();
});

test('the Lab works offline once the service worker is active', async () => {
  const context = await env.browser.newContext();
  const { page, errors } = await openLab(context);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, LONG);
  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'BB84 Lab' }).waitFor(LONG);
  await page.getByLabel('Preset').selectOption('default');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.locator('[data-outcome="key"]').waitFor(LONG);
  await context.setOffline(false);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|api\/v1/.test(e)), []);
  await context.close();
});
