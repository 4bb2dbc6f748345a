// Drives page steps as a user performs them, for tests that need an
// identity (drives.test.mjs, and the vault tests' users). Folders are OPFS
// folders handed out by ./opfs.mjs (install it before page.goto).
import { createHash, randomBytes } from 'node:crypto';

import { queuePicks } from './opfs.mjs';

/** Generous: Argon2id at the calibrated cost runs several times on a loaded machine. */
export const SLOW = { timeout: 180_000 };

/** Opens the Drives page and waits for the app. */
export async function openDrives(page, baseUrl) {
  await page.goto(`${baseUrl}/drives`);
  await page.getByRole('heading', { level: 1, name: 'Drives' }).waitFor();
}

/** Chooses `path` (an OPFS folder) as the primary or backup drive; waits until shown. */
export async function chooseFolder(page, which, path) {
  await queuePicks(page, path);
  await page.getByRole('button', { name: `Choose ${which} drive` }).click();
}

/** Waits until the folder is shown as chosen. */
export async function folderShown(page, which, name) {
  await page.getByTestId(`${which}-folder`).filter({ hasText: `Folder “${name}”` }).waitFor();
}

/** The outcome notice once the running operation is over: { kind: 'done'|'failed', text }. */
export async function outcome(page) {
  await page.getByTestId('drive-progress').waitFor({ state: 'detached', ...SLOW });
  const notice = page.getByTestId('drive-notice');
  await notice.waitFor(SLOW);
  return { kind: await notice.getAttribute('data-kind'), text: (await notice.textContent()).trim() };
}

/**
 * Creates an identity on two fresh OPFS folders, goes through the
 * Emergency Kit (re-typing the two groups asked), and returns
 * { code, fingerprint } once the identity is unlocked.
 */
export async function createIdentity(page, { primary, backup, passphrase, pin }) {
  await page.getByRole('button', { name: 'Create identity' }).first().click();
  await chooseFolder(page, 'primary', primary);
  await folderShown(page, 'primary', primary.split('/').pop());
  await chooseFolder(page, 'backup', backup);
  await folderShown(page, 'backup', backup.split('/').pop());
  await page.getByLabel('Backup passphrase').fill(passphrase);
  await page.getByLabel('Passphrase again').fill(passphrase);
  if (pin) {
    await page.getByLabel(/Also lock the primary drive with a PIN/).check();
    await page.getByLabel('PIN for the primary drive').fill(pin);
  }
  await page.getByRole('region', { name: 'Create your identity' }).getByRole('button', { name: 'Create identity' }).click();
  const codeBox = page.getByTestId('recovery-code');
  await codeBox.waitFor(SLOW);
  const code = (await codeBox.locator('.code-group').allTextContents()).join('-');
  const fingerprint = (await page.getByTestId('kit-fingerprint').textContent()).trim();
  const groups = code.split('-');
  for (const input of await page.getByLabel(/^Group \d+ of the recovery code$/).all()) {
    const n = Number((await input.getAttribute('id')) === 'kit-group-a' ? await label(page, 'kit-group-a') : await label(page, 'kit-group-b'));
    await input.fill(groups[n - 1]);
  }
  await page.getByRole('button', { name: /I saved my Emergency Kit/ }).click();
  await page.locator('[data-testid="identity-state"][data-state="unlocked"]').waitFor();
  return { code, fingerprint };
}

async function label(page, id) {
  const text = await page.locator(`label[for="${id}"]`).textContent();
  return text.match(/Group (\d+)/)[1];
}

/** Unlocks with the chosen primary drive; returns the outcome notice. */
export async function unlock(page, pin = '') {
  await page.getByRole('navigation', { name: 'Drive actions' }).getByRole('button', { name: 'Unlock' }).click();
  if (pin) await page.getByLabel('PIN (only if you set one)').fill(pin);
  await page.getByRole('region', { name: 'Unlock' }).getByRole('button', { name: 'Unlock' }).click();
  return outcome(page);
}

/** The fingerprint shown while unlocked. */
export async function shownFingerprint(page) {
  return (await page.getByTestId('fingerprint').textContent()).trim();
}

/** Opens one of the Drives page's action panels by its tab. */
export async function openPanel(page, name) {
  await page.getByRole('navigation', { name: 'Drive actions' }).getByRole('button', { name, exact: true }).click();
}

/** Fills the labelled fields of the open panel: { 'Backup passphrase': '…', … }. */
export async function fill(page, fields) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
}

/** Clicks the open panel's main button and returns the outcome notice. */
export async function act(page, button) {
  await page.getByRole('main').getByRole('button', { name: button, exact: true }).last().click();
  return outcome(page);
}

/**
 * A well-formed recovery code that belongs to no backup (random bytes with
 * a valid checksum, docs/FORMAT.md): what someone typing the code of
 * another Emergency Kit would enter.
 */
export function foreignRecoveryCode() {
  const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(32);
  const symbols = [];
  let acc = 0n;
  let bits = 0n;
  for (const b of bytes) {
    acc = (acc << 8n) | BigInt(b);
    bits += 8n;
    while (bits >= 5n) {
      bits -= 5n;
      symbols.push(ALPHABET[Number((acc >> bits) & 31n)]);
    }
    acc &= (1n << bits) - 1n;
  }
  if (bits > 0n) symbols.push(ALPHABET[Number((acc << (5n - bits)) & 31n)]);
  const h = createHash('sha256').update('quantumvault/v1/recovery-code').update(bytes).digest();
  const sum = (h[0] << 12) | (h[1] << 4) | (h[2] >> 4);
  for (let i = 3; i >= 0; i--) symbols.push(ALPHABET[(sum >> (5 * i)) & 31]);
  return symbols.join('').match(/.{4}/g).join('-');
}

/** Rotates keys (both drives chosen, identity unlocked); returns the outcome notice. */
export async function rotateKeys(page, passphrase, pin = '') {
  await openPanel(page, 'Rotate keys');
  if (pin) await fill(page, { 'PIN (only if you set one)': pin });
  await fill(page, { 'Backup passphrase': passphrase, 'Passphrase again': passphrase });
  return act(page, 'Rotate keys');
}
