// Stands in for USB drives in headless Chromium: `window.showDirectoryPicker`
// is replaced (before the app loads) by one that hands out folders of the
// origin private file system (OPFS), chosen by the test.
//
// API (all take a playwright Page):
//   await installOpfsPicker(page)          once, before page.goto()
//   await queuePicks(page, 'a', 'b/c')     the folders the next pickers return, in order
//                                          (created if missing; 'b/c' = folder c inside b)
//   await readOpfs(page, 'a/state.json')   a file's bytes as a Buffer, or null if missing
//   await writeOpfs(page, 'a/x', bytes)    replaces a file (Buffer/Uint8Array/string)
//   await listOpfs(page, 'a')              sorted entry names of a folder, or null if missing
//   await removeOpfs(page, 'a')            deletes a file or a folder with everything in it
// An empty queue makes the picker throw AbortError, as when the user cancels.

/** Installs the OPFS-backed picker in every document the page loads. */
export async function installOpfsPicker(page) {
  await page.addInitScript(() => {
    const queue = [];
    window.__qvOpfsPicks = queue;
    window.showDirectoryPicker = async () => {
      const path = queue.shift();
      if (path === undefined) throw new DOMException('The user aborted a request.', 'AbortError');
      let dir = await navigator.storage.getDirectory();
      for (const part of path.split('/')) dir = await dir.getDirectoryHandle(part, { create: true });
      return dir;
    };
  });
}

/** Sets the folders the next `showDirectoryPicker` calls return. */
export async function queuePicks(page, ...paths) {
  await page.evaluate((p) => window.__qvOpfsPicks.push(...p), paths);
}

// One function run in the page for every file operation (the app's CSP
// forbids eval, so the helpers cannot ship code as strings).
async function inPage([op, path, bytes]) {
  let dir = await navigator.storage.getDirectory();
  const parts = path.split('/').filter(Boolean);
  const last = parts.pop();
  const lookup = async (kind) => {
    try {
      for (const part of parts) dir = await dir.getDirectoryHandle(part);
      if (last === undefined) return dir;
      return kind === 'file' ? await dir.getFileHandle(last) : await dir.getDirectoryHandle(last);
    } catch (e) {
      if (e.name === 'NotFoundError' || e.name === 'TypeMismatchError') return null;
      throw e;
    }
  };
  if (op === 'read') {
    const h = await lookup('file');
    return h && Array.from(new Uint8Array(await (await h.getFile()).arrayBuffer()));
  }
  if (op === 'list') {
    const h = await lookup('dir');
    if (!h) return null;
    const names = [];
    for await (const [name, e] of h.entries()) names.push(e.kind === 'directory' ? `${name}/` : name);
    return names.sort();
  }
  for (const part of parts) dir = await dir.getDirectoryHandle(part);
  if (op === 'write') {
    const w = await (await dir.getFileHandle(last, { create: true })).createWritable();
    await w.write(new Uint8Array(bytes));
    await w.close();
  } else if (op === 'remove') {
    await dir.removeEntry(last, { recursive: true });
  }
  return null;
}

/** A file's content as a Buffer, or null if it does not exist. */
export async function readOpfs(page, path) {
  const bytes = await page.evaluate(inPage, ['read', path, null]);
  return bytes === null ? null : Buffer.from(bytes);
}

/** Replaces (or creates) a file; its folders must exist. */
export async function writeOpfs(page, path, data) {
  const bytes = Array.from(typeof data === 'string' ? Buffer.from(data) : data);
  await page.evaluate(inPage, ['write', path, bytes]);
}

/** Sorted entry names of a folder (sub-folders end in '/'), or null if it does not exist. */
export async function listOpfs(page, path) {
  return page.evaluate(inPage, ['list', path, null]);
}

/** Deletes a file or a whole folder (a lost or wiped drive). */
export async function removeOpfs(page, path) {
  await page.evaluate(inPage, ['remove', path, null]);
}
