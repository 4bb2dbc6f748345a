// QuantumVault's pass-through service worker for transfer workers.
//
// Why it exists: a dedicated worker is controlled by the service worker whose
// scope covers the worker's script URL. The app's main worker (/sw.js) has a
// `fetch` handler, so every request from a worker it controls is first sent
// to it — even the ones it lets through — and Chromium then keeps a copy of
// each request body it hands over: large uploads ran at half speed and the
// tab's memory grew by the size of the file. Workers that share or receive
// with the server are loaded from /transfer/worker.js instead, which this
// worker controls. It has no `fetch` handler, so their requests go straight
// to the network. It caches nothing: a transfer needs the network anyway.

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
