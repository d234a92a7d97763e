const BUILD = {"version": "dev", "precache": []};
// ^ server/pwa.py fills in the version (a hash of every file): any change installs a new worker.
// The worker never opens IndexedDB: records, outbox and drafts belong to the page.

const PREFIX = 'banxing-static-';
const CACHE = PREFIX + BUILD.version;
const SCOPE = new URL(registration.scope);

addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // Revalidated: what the page has just loaded comes back as a 304, not a second download.
    await (await caches.open(CACHE)).addAll(BUILD.precache.map((url) => new Request(new URL(url, SCOPE),
      { cache: 'no-cache' })));
    // The first install has no page to protect: take over at once. Later ones wait (updates.js).
    if (!registration.active) await skipWaiting();
  })());
});

addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await clients.claim();
  })());
});

addEventListener('message', (event) => {
  if (event.data?.type === 'activate') skipWaiting();
});

addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  // Every navigation gets the shell, whatever its query string (/app/?code=…).
  const key = request.mode === 'navigate' ? SCOPE.href : request;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(key, { ignoreSearch: true }))
    .then((hit) => hit || fetch(request)));
});
