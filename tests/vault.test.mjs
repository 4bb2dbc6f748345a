// End to end: three people (three browser contexts) use the real app on the
// real server. Alice and Bob create identities on OPFS-backed "drives",
// share files, rotate keys, and the server learns neither names nor content.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, watchErrors } from './support/browser.mjs';
import { createIdentity as createDriveIdentity, openDrives, rotateKeys as rotateDriveKeys } from './support/drives.mjs';
import { installOpfsPicker, readOpfs } from './support/opfs.mjs';
import { installSavePicker, queueSaveNames, savedBytes, savedInfo } from './support/save_picker.mjs';
import { startServer } from './support/server.mjs';

const LONG = 180_000;
let server;
let browser;
let work;

before(async () => {
  // Checkpoints every second, so the Audit page has a signed head to check.
  server = await startServer({ env: { QV_SECURE_COOKIE: 'true', QV_MAINTENANCE_SECS: '1' } });
  browser = await launch();
  work = await mkdtemp(join(tmpdir(), 'qv-vault-'));
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** A person: a browser context with OPFS drives and an OPFS "Save as". */
async function person(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await installOpfsPicker(page);
  await installSavePicker(page);
  await openDrives(page, server.url);
  return { name, context, page, errors };
}

const nav = (p, label) => p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();

/** Creates an identity through the Drives page, on two OPFS folders. */
async function createIdentity(p) {
  await createDriveIdentity(p.page, { primary: `${p.name}-usb`, backup: `${p.name}-backup`, passphrase: passphrase(p) });
}

const passphrase = (p) => `violet harbour quietly nine lanterns ${p.name}`;

/** Signs up on the Vault page (client-side navigation keeps the unlocked keys). */
async function signUp(p) {
  await nav(p, 'Vault');
  await p.page.getByLabel('Username').fill(p.name);
  await p.page.getByRole('button', { name: 'Create account' }).click();
  const panel = p.page.getByRole('region', { name: 'Account' });
  await panel.locator('[data-testid="signed-in-as"], [role="alert"]').first().waitFor({ timeout: LONG });
  assert.match(await panel.textContent(), new RegExp(`Signed in as ${p.name}`));
}

/** Shares files (paths) with recipients from the Share page; returns the result texts. */
async function share(p, files, recipients, note = '') {
  const { page } = p;
  await nav(p, 'Share');
  await page.getByLabel('Files to share').setInputFiles(files);
  for (const r of recipients) {
    await page.getByLabel('Username', { exact: true }).last().fill(r);
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await page.locator(`.recipient[data-user="${r}"] [data-fingerprint]`).first().waitFor({ timeout: LONG });
  }
  if (note) await page.getByLabel(/^Note/).fill(note);
  await page.getByRole('button', { name: 'Encrypt and share' }).click();
  const results = page.getByTestId('share-result');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="share-result"]').length === n, files.length, {
    timeout: LONG,
  });
  return results.evaluateAll((els) => els.map((e) => ({ ok: e.dataset.ok === 'true', text: e.textContent })));
}

/** The Vault page's rows (name → file id), once every name in `expect` is listed. */
async function rows(p, expect = []) {
  await nav(p, 'Vault');
  await p.page.getByRole('button', { name: 'Refresh' }).click();
  for (const name of expect) await p.page.locator(`tr[data-name="${name}"]`).waitFor({ timeout: LONG });
  if (!expect.length) await p.page.locator('table.files, [data-testid="no-files"]').first().waitFor({ timeout: LONG });
  return p.page.locator('tr[data-file-id]').evaluateAll((trs) => Object.fromEntries(trs.map((t) => [t.dataset.name, t.dataset.fileId])));
}

async function download(p, name) {
  const { page } = p;
  await page.getByRole('button', { name: `Download ${name}` }).click();
  const result = page.getByTestId('download-result');
  await result.waitFor({ timeout: LONG });
  return { ok: (await result.getAttribute('data-ok')) === 'true', text: await result.textContent() };
}

/** Every file under a folder, recursively. */
async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

// The people and files, shared by the steps below (they run in order).
const people = {};
const names = { big: 'quarterly-secret-report-7f3a.bin', empty: 'empty-marker-file-91c2.txt', after: 'after-rotation-note.txt' };
let marker;
let big;
const ids = {};

test('Alice shares a 50 MiB and an empty file with Bob; Bob gets the same bytes; Carol sees nothing', { timeout: 20 * 60_000 }, async () => {
  // Content with recognisable markers, so the server's storage can be scanned for them.
  marker = randomBytes(32);
  big = Buffer.concat([marker, randomBytes(50 * 1024 * 1024 - 64), marker]);
  const bigName = names.big;
  const bigPath = join(work, bigName);
  await writeFile(bigPath, big);
  const emptyName = names.empty;
  const emptyPath = join(work, emptyName);
  await writeFile(emptyPath, '');

  const alice = await person('alice');
  const bob = await person('bob');
  const carol = await person('carol');
  for (const p of [alice, bob, carol]) await createIdentity(p);
  for (const p of [alice, bob, carol]) await signUp(p);
  Object.assign(people, { alice, bob, carol });

  // Alice shares a 50 MiB file and an empty one with Bob.
  const shared = await share(alice, [bigPath, emptyPath], ['bob'], 'numbers for Q3');
  assert.deepEqual(shared.map((r) => r.ok), [true, true], JSON.stringify(shared));
  // Encryption and upload ran off the page's thread.
  for (const r of shared) assert.match(r.text, /in the background worker/);
  // …in a transfer worker, whose requests skip the app's service worker
  // (public/transfer/sw.js says why).
  const transferWorker = (p) => p.page.workers().some((w) => new URL(w.url()).pathname === '/transfer/worker.js');
  assert.ok(transferWorker(alice), `workers: ${alice.page.workers().map((w) => w.url())}`);

  // Bob sees both, with decrypted names, and downloads them; bytes are equal.
  const bobRows = await rows(bob, [bigName, emptyName]);
  assert.ok(bobRows[bigName] && bobRows[emptyName], JSON.stringify(bobRows));
  ids.big = bobRows[bigName];
  // The first share between them established a BB84 link; its run is shown with the file.
  const timeline = bob.page.locator(`tr[data-name="${bigName}"] [data-testid="link-timeline"]`);
  assert.doesNotMatch(await timeline.textContent(), /There is no BB84 link/);
  assert.equal(await bob.page.locator(`tr[data-name="${bigName}"] [data-badge]`).getAttribute('data-badge'), 'unverified');
  const got = await download(bob, bigName);
  assert.ok(got.ok, got.text);
  // Download, hashing and decryption ran off the page's thread.
  assert.match(got.text, /decrypted in the background worker/);
  assert.ok(transferWorker(bob), `workers: ${bob.page.workers().map((w) => w.url())}`);
  assert.deepEqual(await savedInfo(bob.page, bigName), { size: big.length, sha256: sha256(big) });
  await bob.page.locator(`tr[data-name="${bigName}"] [data-badge="verified"]`).waitFor();
  const gotEmpty = await download(bob, emptyName);
  assert.ok(gotEmpty.ok, gotEmpty.text);
  assert.deepEqual(await savedInfo(bob.page, emptyName), { size: 0, sha256: sha256(Buffer.alloc(0)) });

  // Carol sees nothing and cannot fetch the ids either.
  assert.deepEqual(await rows(carol), {});
  for (const id of Object.values(bobRows)) {
    const status = await carol.page.evaluate(async (i) => (await fetch(`/api/v1/files/${i}/content`)).status, id);
    assert.equal(status, 404);
    const meta = await carol.page.evaluate(async (i) => (await fetch(`/api/v1/files/${i}`)).status, id);
    assert.equal(meta, 404);
  }
});

test('Alice rotates her keys; Bob is warned, sees the rotation verify, accepts it', { timeout: 10 * 60_000 }, async () => {
  const { alice, bob } = people;
  assert.ok(alice && bob, 'the sharing step ran first');
  await nav(alice, 'Drives');
  // The app registers the new keys with the server, signed by the old key.
  await rotateKeys(alice);
  await nav(alice, 'Vault');
  await alice.page.getByTestId('account-notice').filter({ hasText: /rotation 1/ }).waitFor({ timeout: LONG });
  const afterName = names.after;
  const afterPath = join(work, afterName);
  await writeFile(afterPath, 'written with the new keys');
  const again = await share(alice, [afterPath], ['bob']);
  assert.ok(again[0].ok, again[0].text);

  // Bob's client warns about Alice's new key, shows the rotation verifies, and accepts it.
  await rows(bob, [afterName]);
  const warning = bob.page.getByTestId('key-changed').filter({ hasText: 'alice' });
  await warning.waitFor({ timeout: LONG });
  assert.equal(await warning.getAttribute('data-rotation-valid'), 'true');
  await bob.page.getByRole('button', { name: "Accept alice's new key" }).click();
  await bob.page.getByTestId('key-changed').waitFor({ state: 'detached', timeout: LONG });
  const third = await download(bob, afterName);
  assert.ok(third.ok, third.text);
  assert.equal((await savedBytes(bob.page, afterName)).toString(), 'written with the new keys');

});

test('the server stores no names or content; a tampered blob saves nothing; offline local mode; no secrets in browser storage', { timeout: 10 * 60_000 }, async () => {
  const { alice, bob, carol } = people;
  assert.ok(alice && bob && carol, 'the sharing step ran first');
  const { big: bigName, empty: emptyName, after: afterName } = names;
  // The server's storage (database and blobs) holds neither content nor names.
  const stored = await walk(join(server.dir, 'data'));
  let storedBytes = 0;
  for (const file of stored) {
    const bytes = await readFile(file);
    storedBytes += bytes.length;
    for (const needle of [marker, Buffer.from(bigName), Buffer.from(emptyName), Buffer.from(afterName), Buffer.from('numbers for Q3'), Buffer.from('written with the new keys')]) {
      assert.equal(bytes.indexOf(needle), -1, `${file} contains ${needle.toString('hex').slice(0, 16)}…`);
    }
  }
  assert.ok(storedBytes > big.length, `the scan saw only ${storedBytes} bytes: the ciphertext is elsewhere`);

  // A blob changed on the server is rejected by Bob's client, and nothing is saved.
  // (The server keeps a file's pieces as separate objects named after its id.)
  const objects = (await walk(join(server.dir, 'data', 'blobs'))).filter((f) => f.includes(ids.big));
  assert.ok(objects.length >= 1, `no stored object for ${ids.big}`);
  const sizes = await Promise.all(objects.map(async (f) => (await stat(f)).size));
  const victim = objects[sizes.indexOf(Math.max(...sizes))];
  const blob = await readFile(victim);
  blob[Math.floor(blob.length / 2)] ^= 0x01;
  await writeFile(victim, blob);
  await bob.page.evaluate(() => window.__qvSaveNames.push('tampered-copy.bin'));
  const bad = await download(bob, bigName);
  assert.equal(bad.ok, false);
  assert.match(bad.text, /tampered/i);
  assert.equal((await savedInfo(bob.page, 'tampered-copy.bin'))?.size ?? 0, 0);

  // Offline: Bob encrypts a file to himself and opens it again, no server needed.
  await bob.context.setOffline(true);
  const localName = 'offline-diary.txt';
  const localPath = join(work, localName);
  await writeFile(localPath, 'dear diary, the network is down');
  await nav(bob, 'Share');
  await bob.page.getByLabel('Files to share').setInputFiles(localPath);
  await bob.page.getByRole('button', { name: 'Encrypt to a file on this device' }).click();
  await bob.page.getByTestId('share-result').filter({ hasText: localName }).waitFor({ timeout: LONG });
  assert.equal(await bob.page.getByTestId('share-result').last().getAttribute('data-ok'), 'true');
  const sealed = await savedBytes(bob.page, `${localName}.qvault`);
  assert.equal(sealed.indexOf(Buffer.from('dear diary')), -1);
  await nav(bob, 'Vault');
  await bob.page.evaluate(() => window.__qvSaveNames.push('diary-opened.txt'));
  await bob.page.getByLabel('Vault file to open').setInputFiles({ name: `${localName}.qvault`, mimeType: 'application/octet-stream', buffer: sealed });
  const opened = bob.page.getByTestId('local-open-result');
  await opened.waitFor({ timeout: LONG });
  assert.equal(await opened.getAttribute('data-ok'), 'true', await opened.textContent());
  assert.equal((await savedBytes(bob.page, 'diary-opened.txt')).toString(), 'dear diary, the network is down');
  await bob.context.setOffline(false);

  // Nothing secret in localStorage or IndexedDB: no seed of any token, no session token.
  for (const p of [alice, bob, carol]) {
    const dump = await p.page.evaluate(async () => {
      const out = [JSON.stringify({ ...localStorage })];
      for (const info of (await indexedDB.databases?.()) ?? []) {
        const db = await new Promise((res, rej) => {
          const r = indexedDB.open(info.name);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const store of db.objectStoreNames) {
          const all = await new Promise((res, rej) => {
            const r = db.transaction(store).objectStore(store).getAll();
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
          out.push(JSON.stringify(all, (k, v) => (v instanceof Uint8Array || v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v)));
        }
        db.close();
      }
      return out.join('\n');
    });
    const secrets = await tokenSeeds(p);
    assert.ok(secrets.length >= 2, `no seeds found for ${p.name}`);
    for (const cookie of await p.context.cookies()) secrets.push(Buffer.from(cookie.value));
    for (const s of secrets) {
      for (const form of [s.toString('hex'), s.toString('base64url'), s.toString('base64'), Array.from(s).join(',')]) {
        assert.ok(!dump.includes(form), `${p.name}'s browser storage holds a secret (${form.slice(0, 12)}…)`);
      }
    }
  }

  // Bob's server audit record verifies in his browser, up to a server-signed checkpoint.
  await nav(bob, 'Audit');
  const summary = bob.page.getByTestId('audit-summary');
  await summary.waitFor({ timeout: LONG });
  assert.equal(await summary.getAttribute('data-state'), 'valid', await summary.textContent());
  for (let i = 0; i < 60 && !/server signed/.test(await summary.textContent()); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await bob.page.getByRole('button', { name: 'Check again' }).click();
  }
  assert.match(await summary.textContent(), /All \d+ entries verify; the server signed the chain up to entry \d+/);
  assert.ok(await bob.page.locator('tr[data-check="ok"]').count() >= 4);

  // The session survives a reload (the keys do not: they stay on the drive); sign out ends it.
  await carol.page.goto(`${server.url}/vault`);
  await carol.page.getByTestId('signed-in-as').filter({ hasText: 'carol' }).waitFor({ timeout: LONG });
  await carol.page.getByRole('button', { name: 'Sign out' }).click();
  await carol.page.getByRole('link', { name: 'Unlock it on the Drives page' }).waitFor();
  assert.equal(await carol.page.evaluate(async () => (await fetch('/api/v1/auth/session')).status), 401);

  for (const p of [alice, bob, carol]) {
    const unexpected = p.errors.filter((e) => !/Failed to load resource|net::ERR/.test(e));
    assert.deepEqual(unexpected, [], `${p.name}: ${unexpected.join('\n')}`);
  }
});

test('cancelling a share in the background worker deletes the partial upload on the server', { timeout: 10 * 60_000 }, async () => {
  const { alice } = people;
  assert.ok(alice, 'the sharing step ran first');
  const { page } = alice;
  const path = join(work, 'cancelled-share.bin');
  await writeFile(path, randomBytes(128 * 1024 * 1024));
  try {
    await nav(alice, 'Share');
    await page.getByLabel('Files to share').setInputFiles(path);
    // The worker announces the upload (POST /files); its answer carries the id.
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v1\/files$/.test(r.url()), { timeout: LONG });
    // The first piece on its way: the worker told the page the id before sending it.
    const sending = page.waitForRequest((r) => r.method() === 'PATCH', { timeout: LONG });
    await page.getByRole('button', { name: 'Encrypt and share' }).click();
    const { id } = await (await created).json();
    await sending;
    // A click event straight on the button: a pointer click hit-tests first,
    // and while the page lays out progress under load another element can
    // take the point (seen in CI: "<html> intercepts pointer events" until
    // the share had finished).
    await page.locator('.transfer-box').getByRole('button', { name: 'Cancel' }).dispatchEvent('click');
    const result = page.getByTestId('share-result').filter({ hasText: 'cancelled' });
    await result.waitFor({ timeout: LONG });
    assert.equal(await result.getAttribute('data-ok'), 'false');
    // The owner would still see an unfinished upload (its resume offset); it is gone.
    const status = await page.evaluate(async (i) => (await fetch(`/api/v1/files/${i}`)).status, id);
    assert.equal(status, 404, `upload ${id} still exists after cancelling`);
  } finally {
    await rm(path, { force: true });
  }
});

test('cancelling a receive in the background worker saves nothing, and the next receive works', { timeout: 10 * 60_000 }, async () => {
  const { bob } = people;
  assert.ok(bob, 'the sharing step ran first');
  const { page } = bob;
  await nav(bob, 'Vault');
  // The file Alice sent after rotating (the big one was tampered with above).
  const name = names.after;
  await rows(bob, [name]);
  // Hold the worker's download until the cancel was clicked.
  let release;
  const gate = new Promise((r) => { release = r; });
  let held = 0;
  const onContent = async (route) => {
    held++;
    await gate;
    await route.continue().catch(() => {});
  };
  await page.route(/\/api\/v1\/files\/[^/]+\/content$/, onContent);
  try {
    await queueSaveNames(page, 'cancelled-receive.bin');
    await page.getByRole('button', { name: `Download ${name}` }).click();
    await page.getByRole('button', { name: 'Cancel download' }).waitFor({ timeout: LONG });
    const deadline = Date.now() + LONG;
    while (!held && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(held > 0, 'the worker asked for the file');
    await page.getByRole('button', { name: 'Cancel download' }).dispatchEvent('click');
    const result = page.getByTestId('download-result');
    await result.waitFor({ timeout: LONG });
    assert.equal(await result.getAttribute('data-ok'), 'false');
    assert.match(await result.textContent(), /cancelled/);
    // The picked file was never committed: it stays empty.
    assert.equal((await savedInfo(page, 'cancelled-receive.bin'))?.size ?? 0, 0);
  } finally {
    release();
    await page.unroute(/\/api\/v1\/files\/[^/]+\/content$/, onContent);
  }
  // A fresh worker takes the next receive.
  await queueSaveNames(page, 'after-cancel.bin');
  const again = await download(bob, name);
  assert.ok(again.ok, again.text);
  assert.ok((await savedInfo(page, 'after-cancel.bin'))?.size > 0);
});

test('a 2 GiB share keeps the tab\'s JS heap bounded (QV_HEAVY=1)', { skip: !process.env.QV_HEAVY && 'set QV_HEAVY=1 to run', timeout: 30 * 60_000 }, async () => {
  const { alice } = people;
  assert.ok(alice, 'the sharing step ran first');
  const size = 2 * 1024 * 1024 * 1024;
  const path = join(work, 'two-gib.bin');
  await writeLarge(path, size);
  await nav(alice, 'Share');
  // Run the pipeline on the page itself, so the page's heap is the one that holds it.
  await alice.page.evaluate(() => history.replaceState(history.state, '', '/share?pipeline=page'));
  const cdp = await alice.context.newCDPSession(alice.page);
  let peak = 0;
  let samples = 0;
  const sample = async () => {
    const h = await cdp.send('Runtime.getHeapUsage');
    peak = Math.max(peak, h.usedSize + (h.backingStorageSize ?? 0));
    samples++;
  };
  await alice.page.getByLabel('Files to share').setInputFiles(path);
  await alice.page.getByRole('button', { name: 'Encrypt and share' }).click();
  const result = alice.page.getByTestId('share-result');
  const started = Date.now();
  while (!(await result.count())) {
    await sample();
    if (Date.now() - started > 25 * 60_000) throw new Error('the 2 GiB share did not finish');
    await new Promise((r) => setTimeout(r, 250));
  }
  const secs = (Date.now() - started) / 1000;
  assert.equal(await result.first().getAttribute('data-ok'), 'true', await result.first().textContent());
  assert.match(await result.first().textContent(), /on this page/);
  const peakMiB = peak / 1048576;
  console.log(`# 2 GiB share on the page: ${secs.toFixed(1)} s (${(2048 / secs).toFixed(0)} MiB/s), peak JS heap incl. array buffers ${peakMiB.toFixed(1)} MiB over ${samples} samples`);
  assert.ok(samples >= 5, 'too few heap samples');
  assert.ok(peakMiB < 256, `JS heap peaked at ${peakMiB.toFixed(1)} MiB`);
  await rm(path, { force: true });
});

/** Writes `size` pseudo-random bytes without holding them in memory. */
async function writeLarge(path, size) {
  const { open } = await import('node:fs/promises');
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let done = 0; done < size; done += block.length) {
      block.writeUInt32BE(done / block.length, 0);
      await fh.write(block, 0, Math.min(block.length, size - done));
    }
  } finally {
    await fh.close();
  }
}

/** Rotates keys on the Drives page. */
async function rotateKeys(p) {
  const result = await rotateDriveKeys(p.page, passphrase(p));
  assert.equal(result.kind, 'done', result.text);
}

/** The seeds inside the person's (plain) token on the OPFS "USB drive". */
async function tokenSeeds(p) {
  const state = JSON.parse((await readOpfs(p.page, `${p.name}-usb/state.json`)).toString());
  const token = await readOpfs(p.page, `${p.name}-usb/token_${state.rotation}.bin`);
  // "QVTK" ‖ version ‖ protection 0 ‖ u32 rotation ‖ ML-DSA ξ[32] ‖ X-Wing seed[32] …
  assert.equal(token[5], 0, 'plain token expected in this test');
  return [token.subarray(10, 42), token.subarray(42, 74)];
}
