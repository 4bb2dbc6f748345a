// QuantumVault's service worker: keeps the app shell on the device so the app
// opens offline, and never caches anything from the API.
//
// VERSION and PRECACHE are defined above by `cargo xtask dist`, from the
// content-hashed files it wrote: there is no hand-kept list to go stale.

const CACHE = `qv-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith('qv-shell-') && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

// The page asks the waiting worker to take over when the user clicks "Reload to update".
self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') {
    self.skipWaiting();
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;

  if (request.mode === 'navigate') {
    // Every client-side route loads the same shell, from the cache first, so
    // the version in use only changes when the user accepts the update.
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match('/')) ?? fetch(request);
      })(),
    );
    return;
  }

  event.respondWith(
    (async () => {
      const cached = await caches.match(request, { cacheName: CACHE });
      return cached ?? fetch(request);
    })(),
  );
});
