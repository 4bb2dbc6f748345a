// Starts the QuantumVault app. Generated into the content-hashed bundle folder
// by `cargo xtask dist`, which fills in the wasm's integrity hash: the page's
// integrity attribute covers this file, and this file covers the wasm.
import init, { start } from './app.js';

const status = document.getElementById('boot-status');
try {
  const wasm = fetch(new URL('./app_bg.wasm', import.meta.url), { integrity: '__WASM_INTEGRITY__' });
  await init({ module_or_path: wasm });
  start();
  status?.remove();
} catch (err) {
  console.error(err);
  if (status) {
    status.setAttribute('role', 'alert');
    status.textContent = 'QuantumVault could not start in this browser: ' + (err?.message ?? err) +
      '. Use a recent Chrome, Edge, Firefox or Safari, then reload.';
  }
}
