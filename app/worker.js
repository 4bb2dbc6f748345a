// QuantumVault's background worker: runs long jobs (BB84 simulations, file
// encryption, key stretching) off the page's thread. It loads the same
// wasm-bindgen glue and the same wasm as the page, checked against the same
// integrity hash, then hands each request to Rust (`worker_run`).
//
// Protocol (see app/src/platform/worker.rs): the page posts
// `{ job, input, payload }` — a job name, its JSON input and optional bytes —
// and receives any number of `{ kind: 'progress', done, total, label }`
// followed by one `{ kind: 'done', output, payload }` or
// `{ kind: 'error', message }`. Cancelling terminates the worker.
import init, { worker_run } from './app.js';

const ready = init({
  module_or_path: fetch(new URL('./app_bg.wasm', import.meta.url), { integrity: '__WASM_INTEGRITY__' }),
});

const progress = (done, total, label) => self.postMessage({ kind: 'progress', done, total, label });

self.addEventListener('message', async (event) => {
  const { job, input, payload, extra } = event.data ?? {};
  try {
    await ready;
    // `extra`: an object that is not bytes (e.g. a File to encrypt), for jobs that take one.
    const result = await worker_run(String(job), String(input), payload ?? undefined, progress, extra);
    const transfer = result.payload ? [result.payload.buffer] : [];
    self.postMessage({ kind: 'done', output: result.output, payload: result.payload }, transfer);
  } catch (err) {
    self.postMessage({ kind: 'error', message: String(err?.message ?? err) });
  }
});
