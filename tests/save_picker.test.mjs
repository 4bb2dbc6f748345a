// The benchmark's hashing save picker (tests/support/save_picker.mjs): it must
// look like a real picked file to the app, and `verifyHashedSave` must accept
// exactly the bytes sent and nothing else — else the share benchmark could
// report a broken receive as a fast one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch } from './support/browser.mjs';
import { installHashingSavePicker, verifyHashedSave } from './support/save_picker.mjs';

// A secure-context origin without a server: the page is served by the route.
const ORIGIN = 'http://localhost:9';
// Small slices (the benchmark's are 8 MiB) keep the files small and the test quick.
const SLICE = 64 * 1024;
let browser;
let work;

before(async () => {
  browser = await launch();
  work = await mkdtemp(join(tmpdir(), 'qv-hashsave-'));
});

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function openPage() {
  const page = await (await browser.newContext()).newPage();
  await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>picker</title>' }));
  await installHashingSavePicker(page, { slice: SLICE });
  await page.goto(`${ORIGIN}/`);
  return page;
}

/** Saves `bytes` as `name` the way the app does (picker → createWritable → write pieces → close or abort). */
function save(page, name, bytes, { piece = 16 * 1024, abort = false, viaWriter = false } = {}) {
  return page.evaluate(
    async ({ name, b64, piece, abort, viaWriter }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const handle = await window.showSaveFilePicker({ suggestedName: name });
      const writable = await handle.createWritable();
      const looks = handle instanceof FileSystemFileHandle && writable instanceof FileSystemWritableFileStream;
      const sink = viaWriter ? writable.getWriter() : writable;
      for (let at = 0; at < bytes.length; at += piece) await sink.write(bytes.subarray(at, at + piece));
      await (abort ? sink.abort() : sink.close());
      return looks;
    },
    { name, b64: bytes.toString('base64'), piece, abort, viaWriter },
  );
}

test('the hashing picker accepts exactly the bytes sent, in any write pattern', async () => {
  const page = await openPage();
  // Over two slices, written in odd-sized pieces, so slices straddle writes.
  const sent = randomBytes(SLICE * 2 + 12345);
  const path = join(work, 'sent.bin');
  await writeFile(path, sent);
  assert.equal(await save(page, 'a.bin', sent, { piece: 7_777 }), true, 'the app sees a real handle and writable');
  await verifyHashedSave(page, 'a.bin', path);
  await save(page, 'b.bin', sent, { viaWriter: true });
  await verifyHashedSave(page, 'b.bin', path);
  await save(page, 'empty.bin', Buffer.alloc(0));
  const none = join(work, 'empty.bin');
  await writeFile(none, Buffer.alloc(0));
  await verifyHashedSave(page, 'empty.bin', none);
  // Nothing landed in the origin's storage.
  assert.equal(await page.evaluate(async () => (await navigator.storage.estimate()).usage < 1 << 20), true);
});

test('the hashing picker rejects a changed, short, aborted or missing save', async () => {
  const page = await openPage();
  const sent = randomBytes(SLICE + 100);
  const path = join(work, 'sent2.bin');
  await writeFile(path, sent);

  const changed = Buffer.from(sent);
  changed[SLICE + 3] ^= 1;
  await save(page, 'changed.bin', changed);
  await assert.rejects(verifyHashedSave(page, 'changed.bin', path), /differ from what was sent/);

  await save(page, 'short.bin', sent.subarray(0, sent.length - 1));
  await assert.rejects(verifyHashedSave(page, 'short.bin', path), /saved \d+ bytes of short.bin, sent \d+/);

  await save(page, 'aborted.bin', sent, { abort: true });
  await assert.rejects(verifyHashedSave(page, 'aborted.bin', path), /not committed/);

  await assert.rejects(verifyHashedSave(page, 'never.bin', path), /nothing was saved as never.bin/);
});
