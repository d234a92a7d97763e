const BUILD = {"version": "dev", "precache": []};
// ^ The server replaces that first line with this build's version (a hash of every file) and
// the list of files to precache (server/pwa.py), so any change to the app changes this file.
//
// The service worker: a versioned precache of the shell and every module, cache-first for the
// app's own files, network-only for everything else (/api/ above all). It never touches
// IndexedDB: records, outbox and drafts belong to the page. A new version installs in the
// background and takes over only when the page says no form is open (js/updates.js).

const PREFIX = 'banxing-static-';
const CACHE = PREFIX + BUILD.version;
const SCOPE = new URL(self.registration.scope);

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // 'no-cache' revalidates: what the page just loaded comes back as a 304, not a second download.
    await cache.addAll(BUILD.precache.map((url) => new Request(new URL(url, SCOPE), { cache: 'no-cache' })));
    // The very first install has no page to protect: take over at once, so the app works
    // offline from the second visit. Later versions wait for the page's word.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'activate') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Every navigation gets the shell, whatever its query string (/app/?code=…).
    const key = request.mode === 'navigate' ? new URL('./', SCOPE).href : request;
    const hit = await cache.match(key, { ignoreSearch: true });
    return hit || fetch(request);
  })());
});
