// End to end: dual-drive key custody in headless Chromium, with OPFS folders
// standing in for the two USB drives (tests/support/opfs.mjs).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { watchErrors } from './support/browser.mjs';
import {
  SLOW, act, chooseFolder, createIdentity, fill, finishedCount, folderShown, foreignRecoveryCode, openDrives,
  openPanel, outcome, rotateKeys, shownFingerprint, unlock,
} from './support/drives.mjs';
import { installOpfsPicker, listOpfs, readOpfs, removeOpfs, writeOpfs } from './support/opfs.mjs';
import { serverAndBrowser } from './support/suite.mjs';

const PASSPHRASE = 'violet harbour quietly nine lanterns';

const env = serverAndBrowser();

async function freshPage() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await installOpfsPicker(page);
  await openDrives(page, env.server.url);
  return { context, page, errors };
}

test('create an identity, confirm the Emergency Kit, lock, unlock again', SLOW, async () => {
  const { context, page, errors } = await freshPage();
  // Printed, the page shows the kit alone: code, QR code, fingerprint, instructions.
  const onKit = async () => {
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Print Emergency Kit' }).isVisible(), false);
    for (const shown of [page.getByTestId('recovery-code'), page.getByRole('img', { name: /QR code/ }), page.getByTestId('kit-fingerprint')]) {
      assert.equal(await shown.isVisible(), true);
    }
    assert.equal(await page.locator('.qr svg path').count(), 1);
    await page.emulateMedia({ media: 'screen' });
  };
  const { code, fingerprint } = await createIdentity(page, { primary: 'usb-a', backup: 'usb-b', passphrase: PASSPHRASE, onKit });

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

test('rotate, verify, lose the primary, restore onto a new folder: same identity', SLOW, async () => {
  const { context, page, errors } = await freshPage();
  const { code, fingerprint: first } = await createIdentity(page, { primary: 'p1', backup: 'b1', passphrase: PASSPHRASE });

  // Rotate: new keys on both drives, old files removed.
  let r = await rotateKeys(page, PASSPHRASE);
  assert.equal(r.kind, 'done', r.text);
  assert.match(r.text, /key version 1/);
  const rotated = await shownFingerprint(page);
  assert.notEqual(rotated, first);
  assert.deepEqual(await listOpfs(page, 'p1'), ['audit.log', 'state.json', 'token_1.bin']);
  assert.deepEqual(await listOpfs(page, 'b1/.system_backup'), ['backup_1.enc', 'pair.json']);

  // Verify: a typo in one group is located; a wrong passphrase is named; the right ones pass.
  await openPanel(page, 'Verify backup');
  const groups = code.split('-');
  const wrongChar = groups[4][1] === 'X' ? 'Y' : 'X';
  groups[4] = groups[4][0] + wrongChar + groups[4].slice(2);
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': groups.join('-') });
  r = await act(page, 'Verify backup');
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /typo, most likely in group 5/);
  await fill(page, { 'Recovery code (from your Emergency Kit)': foreignRecoveryCode() });
  r = await act(page, 'Verify backup');
  assert.match(r.text, /recovery code does not belong to this backup/);
  await fill(page, { 'Backup passphrase': 'not the passphrase', 'Recovery code (from your Emergency Kit)': code });
  r = await act(page, 'Verify backup');
  assert.match(r.text, /^Wrong passphrase/);
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': code.toLowerCase() });
  r = await act(page, 'Verify backup');
  assert.equal(r.kind, 'done', r.text);
  assert.match(r.text, new RegExp(`key version 1 \\(fingerprint ${rotated}\\)`));

  // The audit log holds every step and verifies.
  await openPanel(page, 'Audit log');
  r = await act(page, 'Check audit log');
  assert.equal(r.kind, 'done', r.text);
  const events = await page.getByRole('table', { name: 'Audit log entries' }).locator('tbody tr').evaluateAll((rows) => rows.map((tr) => tr.dataset.event));
  assert.deepEqual(events, ['init', 'rotate', 'verify']);

  // Lose the primary drive, lock, restore onto a new folder.
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await removeOpfs(page, 'p1');
  await openPanel(page, 'Unlock');
  r = await unlock(page);
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /primary drive/);
  await chooseFolder(page, 'primary', 'p2');
  await folderShown(page, 'primary', 'p2');
  await openPanel(page, 'Restore from backup');
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': code });
  r = await act(page, 'Restore');
  assert.equal(r.kind, 'done', r.text);
  assert.deepEqual(await listOpfs(page, 'p2'), ['audit.log', 'state.json', 'token_1.bin']);

  // Unlocking the new primary gives the current rotation's identity.
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  r = await unlock(page);
  assert.equal(r.kind, 'done', r.text);
  assert.equal(await shownFingerprint(page), rotated);
  assert.equal(JSON.parse((await readOpfs(page, 'p2/state.json')).toString()).rotation, 1);

  // The Audit page shows the same drive log (the remembered primary, checked
  // with the unlocked keys) next to the server's record.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  r = await act(page, 'Check audit log');
  assert.equal(r.kind, 'done', r.text);
  const onAudit = await page.getByRole('table', { name: 'Audit log entries' }).locator('tbody tr').evaluateAll((rows) => rows.map((tr) => tr.dataset.event));
  assert.deepEqual(onAudit.slice(-2), ['restore', 'unlock']);

  assert.deepEqual(errors, []);
  await context.close();
});

test('bad folders and damaged files are reported in plain words, never crash', SLOW, async () => {
  const { context, page, errors } = await freshPage();

  // The same folder twice, or one inside the other, is refused at once.
  await chooseFolder(page, 'primary', 'same');
  await folderShown(page, 'primary', 'same');
  await chooseFolder(page, 'backup', 'same');
  await page.getByRole('alert').filter({ hasText: /the same folder.*This folder was not chosen/ }).waitFor();
  assert.match(await page.getByTestId('backup-folder').textContent(), /not chosen/);
  await chooseFolder(page, 'backup', 'same/inner');
  await page.getByRole('alert').filter({ hasText: /one of the folders is inside the other/i }).waitFor();

  // A folder with someone else's files is not used for set-up.
  await chooseFolder(page, 'backup', 'other');
  await folderShown(page, 'backup', 'other');
  await writeOpfs(page, 'same/holiday.jpg', 'not ours');
  await openPanel(page, 'Create identity');
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Passphrase again': PASSPHRASE });
  let r = await act(page, 'Create identity');
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /contains files that are not QuantumVault's \(holiday\.jpg, inner\)/);
  assert.deepEqual(await listOpfs(page, 'same'), ['holiday.jpg', 'inner/']);

  // Picking such a folder offers a QuantumVault folder of its own inside it.
  await chooseFolder(page, 'primary', 'same');
  await page.getByTestId('primary-suggestion').getByRole('button', { name: 'Use a “QuantumVault” folder inside it' }).click();
  await folderShown(page, 'primary', 'QuantumVault');
  assert.deepEqual(await listOpfs(page, 'same'), ['QuantumVault/', 'holiday.jpg', 'inner/']);

  // A good identity, then damage: garbage state.json, a truncated token, a corrupt backup.
  const { code } = await createIdentity(page, { primary: 'good', backup: 'good-backup', passphrase: PASSPHRASE });

  // An edited audit log line is found and named; the entries before it are listed.
  const log = (await readOpfs(page, 'good/audit.log')).toString();
  await writeOpfs(page, 'good/audit.log', log.replace('"detail":"set-up"', '"detail":"set-up by someone else"'));
  await openPanel(page, 'Audit log');
  r = await act(page, 'Check audit log');
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /damaged or edited: line 1 was modified/);
  await writeOpfs(page, 'good/audit.log', log);
  r = await act(page, 'Check audit log');
  assert.match(r.text, /intact: 1 entry,/);

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  const state = await readOpfs(page, 'good/state.json');
  await writeOpfs(page, 'good/state.json', '{"rotation": "zero"');
  r = await unlock(page);
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /state\.json on the primary drive is damaged.*restore onto a fresh folder/);
  await writeOpfs(page, 'good/state.json', state);

  const token = await readOpfs(page, 'good/token_0.bin');
  await writeOpfs(page, 'good/token_0.bin', token.subarray(0, 40));
  r = await unlock(page);
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /token_0\.bin/);
  assert.match(r.text, /damaged|not a QuantumVault token/);
  await writeOpfs(page, 'good/token_0.bin', token);

  // Drives swapped: the backup picked as primary is named as such.
  await chooseFolder(page, 'backup', 'spare');
  await folderShown(page, 'backup', 'spare');
  await chooseFolder(page, 'primary', 'good-backup');
  await folderShown(page, 'primary', 'good-backup');
  r = await unlock(page);
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /this is a backup drive, not a primary drive/i);
  await chooseFolder(page, 'primary', 'good');
  await folderShown(page, 'primary', 'good');
  await chooseFolder(page, 'backup', 'good-backup');
  await folderShown(page, 'backup', 'good-backup');

  // A damaged backup is reported by verification.
  const backup = await readOpfs(page, 'good-backup/.system_backup/backup_0.enc');
  await writeOpfs(page, 'good-backup/.system_backup/backup_0.enc', backup.subarray(0, backup.length - 100));
  await openPanel(page, 'Verify backup');
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': code });
  r = await act(page, 'Verify backup');
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /backup file \.system_backup\/backup_0\.enc cannot be used/);
  // Verification wrote nothing: the damaged file is still there, untouched.
  assert.equal((await readOpfs(page, 'good-backup/.system_backup/backup_0.enc')).length, backup.length - 100);

  assert.deepEqual(errors, []);
  await context.close();
});

test('a PIN-locked primary, a new passphrase and a replacement backup drive', SLOW, async () => {
  const { context, page, errors } = await freshPage();
  const { code, fingerprint } = await createIdentity(page, {
    primary: 'pin-a', backup: 'pin-b', passphrase: PASSPHRASE, pin: '4711',
  });
  await page.getByRole('button', { name: 'Lock', exact: true }).click();

  // Without the PIN, and with a wrong one: told what to do; with it: unlocked.
  let r = await unlock(page);
  assert.equal(r.kind, 'failed');
  assert.match(r.text, /protected by a PIN/);
  r = await unlock(page, '0000');
  assert.match(r.text, /^Wrong PIN/);
  // Enter in the PIN field unlocks, like the button.
  await page.getByLabel('PIN (only if you set one)').fill('4711');
  const before = await finishedCount(page);
  await page.getByLabel('PIN (only if you set one)').press('Enter');
  r = await outcome(page, before);
  assert.equal(r.kind, 'done', r.text);
  assert.equal(await shownFingerprint(page), fingerprint);
  const events = (await readOpfs(page, 'pin-a/audit.log')).toString().trim().split('\n').map((l) => JSON.parse(l).event);
  assert.deepEqual(events, ['init', 'unlock', 'failed_attempt']);

  // A new passphrase: the old one no longer opens the backup, the new one does.
  const NEW = 'amber tortoise sings under seven bridges';
  await openPanel(page, 'Change passphrase');
  await fill(page, { 'PIN (only if you set one)': '4711', 'New backup passphrase': NEW, 'Passphrase again': NEW });
  r = await act(page, 'Change passphrase');
  assert.equal(r.kind, 'done', r.text);
  await openPanel(page, 'Verify backup');
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': code });
  r = await act(page, 'Verify backup');
  assert.match(r.text, /^Wrong passphrase/);

  // The backup drive is lost: a new one is made, and the same Emergency Kit opens it.
  await removeOpfs(page, 'pin-b');
  await chooseFolder(page, 'backup', 'pin-c');
  await folderShown(page, 'backup', 'pin-c');
  await openPanel(page, 'Replace backup drive');
  await fill(page, { 'PIN (only if you set one)': '4711', 'Backup passphrase': NEW, 'Passphrase again': NEW });
  r = await act(page, 'Replace backup drive');
  assert.equal(r.kind, 'done', r.text);
  assert.deepEqual(await listOpfs(page, 'pin-c/.system_backup'), ['backup_0.enc', 'pair.json']);
  await openPanel(page, 'Verify backup');
  await fill(page, { 'Backup passphrase': NEW, 'Recovery code (from your Emergency Kit)': code });
  r = await act(page, 'Verify backup');
  assert.equal(r.kind, 'done', r.text);

  assert.deepEqual(errors, []);
  await context.close();
});

test('without folder access: key files by upload and download, and the capability report says so', SLOW, async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  // Firefox and Safari have no showDirectoryPicker.
  await page.addInitScript(() => { delete Window.prototype.showDirectoryPicker; delete window.showDirectoryPicker; });
  await page.goto(env.server.url);
  await page.locator('[data-capability="fs-access"][data-available="false"]').waitFor();
  assert.match(await page.getByTestId('capability-summary').textContent(), /load your key files by upload and save them by download/);

  await openDrives(page, env.server.url);
  await page.getByLabel('Primary drive files').waitFor();
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Passphrase again': PASSPHRASE });
  await page.getByRole('region', { name: 'Create your identity' }).getByRole('button', { name: 'Create identity' }).click();
  await page.getByTestId('recovery-code').waitFor(SLOW);
  const code = (await page.getByTestId('recovery-code').locator('.code-group').allTextContents()).join('-');
  const fingerprint = (await page.getByTestId('kit-fingerprint').textContent()).trim();
  for (const id of ['kit-group-a', 'kit-group-b']) {
    const n = Number((await page.locator(`label[for="${id}"]`).textContent()).match(/Group (\d+)/)[1]);
    await page.locator(`#${id}`).fill(code.split('-')[n - 1]);
  }
  await page.getByRole('button', { name: /I saved my Emergency Kit/ }).click();
  await page.locator('[data-testid="identity-state"][data-state="unlocked"]').waitFor();

  // Every written file is offered for download, named for its drive.
  const dir = await mkdtemp(join(tmpdir(), 'qv-drives-'));
  const saved = { primary: [], backup: [] };
  const links = page.getByRole('region', { name: 'Save these files onto your drives' }).getByRole('link');
  const names = await links.allTextContents();
  assert.deepEqual(names.sort(), [
    'Download audit.log for the primary drive', 'Download backup_0.enc for the backup drive',
    'Download pair.json for the backup drive', 'Download state.json for the primary drive',
    'Download token_0.bin for the primary drive',
  ]);
  for (const link of await links.all()) {
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const path = join(dir, download.suggestedFilename());
    await download.saveAs(path);
    saved[/primary/.test(await link.textContent()) ? 'primary' : 'backup'].push(path);
  }

  // A later visit: load the saved files, unlock, verify the backup.
  await page.reload();
  await page.getByLabel('Primary drive files').setInputFiles(saved.primary);
  await page.getByRole('status').filter({ hasText: 'Loaded 3 file(s) for the primary drive.' }).waitFor();
  const r = await unlock(page);
  assert.equal(r.kind, 'done', r.text);
  assert.equal(await shownFingerprint(page), fingerprint);
  await page.getByLabel('Backup drive files').setInputFiles(saved.backup);
  await openPanel(page, 'Verify backup');
  await fill(page, { 'Backup passphrase': PASSPHRASE, 'Recovery code (from your Emergency Kit)': code });
  const v = await act(page, 'Verify backup');
  assert.equal(v.kind, 'done', v.text);
  // The unlock appended to the audit log: it is offered again.
  assert.ok((await links.allTextContents()).includes('Download audit.log for the primary drive'));

  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(errors, []);
  await context.close();
});
