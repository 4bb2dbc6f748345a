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
 * the local file `path`, compared as SHA-256 of 8 MiB slices (so any size
 * works without holding the file); `remove` deletes it afterwards.
 */
export async function verifySaved(page, name, path, { remove = false } = {}) {
  const { createHash } = await import('node:crypto');
  const { open } = await import('node:fs/promises');
  const slice = HASH_SLICE;
  const got = await page.evaluate(async ([n, slice, remove]) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
    let file;
    try {
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

// For benchmarks with files too large for the origin's storage quota: a
// save picker whose file keeps nothing. Its writable hashes what it is given
// (SHA-256 per 8 MiB slice, WebCrypto, which copies its input at once) and
// counts bytes; `verifyHashedSave` then compares the slices with the file
// that was sent. The handle is a real OPFS handle (the app checks
// `instanceof FileSystemFileHandle`) whose `createWritable` is replaced; the
// writable is a real `WritableStream` (so `getWriter`/`pipeTo` work too)
// dressed as a `FileSystemWritableFileStream`, whose `write`/`close`/`abort`
// feed the same hasher.
//
//   await installHashingSavePicker(page)                   once, before page.goto()
//   await verifyHashedSave(page, 'a.bin', '/tmp/a.bin')    throws unless closed with the same bytes

/** Bytes per hashed slice by default; `verifyHashedSave` reads the source in the same slices. */
export const HASH_SLICE = 8 * 1024 * 1024;

/** Installs the hashing save picker in every document the page loads. */
export async function installHashingSavePicker(page, { slice = HASH_SLICE } = {}) {
  await page.addInitScript((slice) => {
    const saves = {};
    window.__qvHashedSaves = saves;
    const hasher = (name) => {
      const state = { size: 0, slice, digests: [], pending: [], closed: false, aborted: false };
      saves[name] = state;
      const stage = new Uint8Array(slice);
      let staged = 0;
      const flush = async () => {
        if (staged === 0) return;
        // digest() copies its input before returning, so the stage can be refilled now.
        state.pending.push(crypto.subtle.digest('SHA-256', stage.subarray(0, staged)));
        staged = 0;
        // A few slices in flight at most: memory stays bounded whatever the file size.
        while (state.pending.length > 4) state.digests.push(await state.pending.shift());
      };
      const append = async (bytes) => {
        if (state.closed || state.aborted) throw new TypeError('the writable is closed');
        for (let at = 0; at < bytes.length; ) {
          const n = Math.min(slice - staged, bytes.length - at);
          stage.set(bytes.subarray(at, at + n), staged);
          staged += n;
          at += n;
          if (staged === slice) await flush();
        }
        state.size += bytes.length;
      };
      const asBytes = async (data) => {
        if (data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
        if (typeof data === 'string') return new TextEncoder().encode(data);
        if (data instanceof ArrayBuffer) return new Uint8Array(data);
        if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        throw new TypeError('unsupported data for write()');
      };
      const write = async (data) => {
        if (data && typeof data === 'object' && 'type' in data && !(data instanceof Blob)) {
          // Only in-order appends can be hashed as a stream.
          if (data.type !== 'write' || (data.position !== undefined && data.position !== state.size)) {
            throw new DOMException(`the hashing save picker only appends (got ${data.type})`, 'NotSupportedError');
          }
          return append(await asBytes(data.data));
        }
        return append(await asBytes(data));
      };
      const close = async () => {
        await flush();
        state.digests.push(...(await Promise.all(state.pending.splice(0))));
        state.closed = true;
      };
      const abort = async () => {
        state.aborted = true;
        state.pending.splice(0);
      };
      const stream = new WritableStream({ write, close, abort });
      Object.setPrototypeOf(stream, FileSystemWritableFileStream.prototype);
      for (const [key, f] of Object.entries({ write, close, abort })) Object.defineProperty(stream, key, { value: f });
      return stream;
    };
    window.showSaveFilePicker = async (options = {}) => {
      const name = options.suggestedName ?? 'download.bin';
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle('hashed', { create: true });
      const handle = await dir.getFileHandle(name, { create: true });
      Object.defineProperty(handle, 'createWritable', { value: async () => hasher(name) });
      return handle;
    };
  }, slice);
}

/** Throws unless the save named `name` was closed with exactly the bytes of the local file `path`. */
export async function verifyHashedSave(page, name, path) {
  const { createHash } = await import('node:crypto');
  const { open } = await import('node:fs/promises');
  const got = await page.evaluate((n) => {
    const s = window.__qvHashedSaves[n];
    if (!s) return null;
    const hex = (d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
    return { size: s.size, slice: s.slice, closed: s.closed, aborted: s.aborted, digests: s.digests.map(hex) };
  }, name);
  if (!got) throw new Error(`nothing was saved as ${name}`);
  if (!got.closed || got.aborted) throw new Error(`the save of ${name} was not committed (aborted: ${got.aborted})`);
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (got.size !== size) throw new Error(`saved ${got.size} bytes of ${name}, sent ${size}`);
    const buf = Buffer.alloc(got.slice);
    for (let i = 0, at = 0; at < size; i++, at += got.slice) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(got.slice, size - at), at);
      const want = createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
      if (got.digests[i] !== want) throw new Error(`${name}: bytes ${at}…${at + bytesRead} differ from what was sent`);
    }
    if (got.digests.length !== Math.ceil(size / got.slice)) throw new Error(`${name}: ${got.digests.length} slices saved`);
  } finally {
    await fh.close();
  }
}
