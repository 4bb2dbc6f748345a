// Stands in for the "Save as" dialog in headless Chromium:
// `window.showSaveFilePicker` is replaced (before the app loads) by one that
// hands out a file in the origin private file system (OPFS), under
// `saved/<name>` (or the next name the test queued). The app writes into it
// through a real `createWritable()`, so `close()` commits and `abort()`
// discards exactly as with a file the user picked.
//
//   await installSavePicker(page)            once, before page.goto()
//   await queueSaveNames(page, 'a.bin')      names for the next pickers (else the suggested name)
//   await savedInfo(page, 'a.bin')           { size, sha256 } of saved/a.bin, or null if missing
//   await savedBytes(page, 'a.bin')          its bytes (small files only)
//   await verifySaved(page, 'a.bin', '/tmp/a.bin', { remove: true })
//                                            throws unless saved/a.bin holds exactly that local file (any size)

/** Installs the OPFS-backed save picker in every document the page loads. */
export async function installSavePicker(page) {
  await page.addInitScript(() => {
    const queue = [];
    window.__qvSaveNames = queue;
    window.showSaveFilePicker = async (options = {}) => {
      const name = queue.shift() ?? options.suggestedName ?? 'download.bin';
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle('saved', { create: true });
      return dir.getFileHandle(name, { create: true });
    };
  });
}

/** Names the next save pickers return. */
export async function queueSaveNames(page, ...names) {
  await page.evaluate((n) => window.__qvSaveNames.push(...n), names);
}

/** Size and SHA-256 (hex) of a saved file, computed in the page; null if missing. */
export async function savedInfo(page, name) {
  return page.evaluate(async (n) => {
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
      const file = await (await dir.getFileHandle(n)).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return { size: file.size, sha256: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('') };
    } catch (e) {
      if (e.name === 'NotFoundError') return null;
      throw e;
    }
  }, name);
}

/**
 * Throws unless `saved/<name>` in the page's OPFS holds exactly the bytes of
 * the local file `path`, compared as SHA-256 of `slice`-byte slices (8 MiB
 * by default, so any size works without holding the file in memory);
 * `remove` deletes it afterwards.
 */
export async function verifySaved(page, name, path, { remove = false, slice = HASH_SLICE } = {}) {
  const { createHash } = await import('node:crypto');
  const { open } = await import('node:fs/promises');
  const got = await page.evaluate(async ([n, slice, remove]) => {
    let dir;
    let file;
    try {
      dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
      file = await (await dir.getFileHandle(n)).getFile();
    } catch (e) {
      if (e.name === 'NotFoundError') return null;
      throw e;
    }
    const hex = (d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
    const digests = [];
    for (let at = 0; at < file.size; at += slice) digests.push(hex(await crypto.subtle.digest('SHA-256', await file.slice(at, at + slice).arrayBuffer())));
    if (remove) await dir.removeEntry(n);
    return { size: file.size, digests };
  }, [name, slice, remove]);
  if (!got) throw new Error(`nothing was saved as ${name}`);
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (got.size !== size) throw new Error(`saved ${got.size} bytes of ${name}, sent ${size}`);
    const buf = Buffer.alloc(slice);
    for (let i = 0, at = 0; at < size; i++, at += slice) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(slice, size - at), at);
      const want = createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
      if (got.digests[i] !== want) throw new Error(`${name}: bytes ${at}…${at + bytesRead} differ from what was sent`);
    }
  } finally {
    await fh.close();
  }
}

/** A saved file's bytes as a Buffer (small files). */
export async function savedBytes(page, name) {
  const bytes = await page.evaluate(async (n) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
    return Array.from(new Uint8Array(await (await (await dir.getFileHandle(n)).getFile()).arrayBuffer()));
  }, name);
  return Buffer.from(bytes);
}

/** Bytes per hashed slice in `verifySaved` by default. */
export const HASH_SLICE = 8 * 1024 * 1024;
