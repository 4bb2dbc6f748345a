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

/** A saved file's bytes as a Buffer (small files). */
export async function savedBytes(page, name) {
  const bytes = await page.evaluate(async (n) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved');
    return Array.from(new Uint8Array(await (await (await dir.getFileHandle(n)).getFile()).arrayBuffer()));
  }, name);
  return Buffer.from(bytes);
}
