// End to end: dual-drive key custody in headless Chromium, with OPFS folders
// standing in for the two USB drives (tests/support/opfs.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, watchErrors } from './support/browser.mjs';
import { SLOW, createIdentity, openDrives, outcome, shownFingerprint, unlock } from './support/drives.mjs';
import { installOpfsPicker, listOpfs, readOpfs } from './support/opfs.mjs';
import { startServer } from './support/server.mjs';

const PASSPHRASE = 'violet harbour quietly nine lanterns';

let server;
let browser;

before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
});

after(() => Promise.all([browser?.close(), server?.cleanup()]));

async function freshPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await installOpfsPicker(page);
  await openDrives(page, server.url);
  return { context, page, errors };
}

test('create an identity, confirm the Emergency Kit, lock, unlock again', SLOW, async () => {
  const { context, page, errors } = await freshPage();
  const { code, fingerprint } = await createIdentity(page, { primary: 'usb-a', backup: 'usb-b', passphrase: PASSPHRASE });

  // The recovery code is 14 groups of 4; the kit shows it as a QR code too.
  assert.match(code, /^([0-9A-Z]{4}-){13}[0-9A-Z]{4}$/);
  assert.equal(await shownFingerprint(page), fingerprint);

  // Real files on the two folders.
  assert.deepEqual(await listOpfs(page, 'usb-a'), ['audit.log', 'state.json', 'token_0.bin']);
  assert.deepEqual(await listOpfs(page, 'usb-b'), ['.system_backup/']);
  assert.deepEqual(await listOpfs(page, 'usb-b/.system_backup'), ['backup_0.enc', 'pair.json']);
  const state = JSON.parse((await readOpfs(page, 'usb-a/state.json')).toString());
  assert.equal(state.rotation, 0);
  const pair = JSON.parse((await readOpfs(page, 'usb-b/.system_backup/pair.json')).toString());
  assert.equal(pair.pair_id, state.pair_id);

  // Lock, reload (handles come back from IndexedDB), unlock: same identity.
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.locator('[data-testid="identity-state"][data-state="locked"]').waitFor();
  await page.reload();
  await page.getByTestId('primary-folder').filter({ hasText: 'Folder “usb-a”' }).waitFor();
  const result = await unlock(page);
  assert.equal(result.kind, 'done', result.text);
  assert.equal(await shownFingerprint(page), fingerprint);
  const log = (await readOpfs(page, 'usb-a/audit.log')).toString().trim().split('\n');
  assert.deepEqual(log.map((l) => JSON.parse(l).event), ['init', 'unlock']);

  assert.deepEqual(errors, []);
  await context.close();
});
