// The benchmark's check of a received file (`verifySaved` in
// tests/support/save_picker.mjs): it must accept exactly the bytes sent and
// nothing else — else the share benchmark could report a broken receive as
// a fast one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch } from './support/browser.mjs';
import { installSavePicker, verifySaved } from './support/save_picker.mjs';

// A secure-context origin without a server: the page is served by the route.
const ORIGIN = 'http://localhost:9';
// Small slices (the benchmark's are 8 MiB) keep the files small and the test quick.
const SLICE = 64 * 1024;
let browser;
let work;

before(async () => {
  browser = await launch();
  work = await mkdtemp(join(tmpdir(), 'qv-verifysave-'));
});

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function openPage() {
  const page = await (await browser.newContext()).newPage();
  await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>picker</title>' }));
  await installSavePicker(page);
  await page.goto(`${ORIGIN}/`);
  return page;
}

/** Saves `bytes` as `name` the way the app does (picker → createWritable → write pieces → close or abort). */
function save(page, name, bytes, { piece = 16 * 1024, abort = false } = {}) {
  return page.evaluate(
    async ({ name, b64, piece, abort }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const writable = await (await window.showSaveFilePicker({ suggestedName: name })).createWritable();
      for (let at = 0; at < bytes.length; at += piece) await writable.write(bytes.subarray(at, at + piece));
      await (abort ? writable.abort() : writable.close());
    },
    { name, b64: bytes.toString('base64'), piece, abort },
  );
}

const exists = (page, name) =>
  page.evaluate(async (n) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
    return dir.getFileHandle(n).then(() => true, () => false);
  }, name);

test('the check accepts exactly the bytes sent, and removes the file when asked', async () => {
  const page = await openPage();
  // Over two slices, written in odd-sized pieces, so slices straddle writes.
  const sent = randomBytes(SLICE * 2 + 12345);
  const path = join(work, 'sent.bin');
  await writeFile(path, sent);
  await save(page, 'a.bin', sent, { piece: 7_777 });
  await verifySaved(page, 'a.bin', path, { slice: SLICE });
  assert.equal(await exists(page, 'a.bin'), true);
  await verifySaved(page, 'a.bin', path, { slice: SLICE, remove: true });
  assert.equal(await exists(page, 'a.bin'), false);
  await save(page, 'empty.bin', Buffer.alloc(0));
  const none = join(work, 'empty.bin');
  await writeFile(none, Buffer.alloc(0));
  await verifySaved(page, 'empty.bin', none, { slice: SLICE });
});

test('the check rejects a changed, short, aborted or missing save', async () => {
  const page = await openPage();
  const sent = randomBytes(SLICE + 100);
  const path = join(work, 'sent2.bin');
  await writeFile(path, sent);

  const changed = Buffer.from(sent);
  changed[SLICE + 3] ^= 1;
  await save(page, 'changed.bin', changed);
  await assert.rejects(verifySaved(page, 'changed.bin', path, { slice: SLICE }), /differ from what was sent/);

  await save(page, 'short.bin', sent.subarray(0, sent.length - 1));
  await assert.rejects(verifySaved(page, 'short.bin', path, { slice: SLICE }), /saved \d+ bytes of short.bin, sent \d+/);

  // An aborted writable leaves the picked file as it was: empty.
  await save(page, 'aborted.bin', sent, { abort: true });
  await assert.rejects(verifySaved(page, 'aborted.bin', path, { slice: SLICE }), /saved 0 bytes of aborted.bin/);

  await assert.rejects(verifySaved(page, 'never.bin', path, { slice: SLICE }), /nothing was saved as never.bin/);
});
