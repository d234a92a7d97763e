const BUILD = {"version": "dev", "precache": []};
// ^ server/pwa.py fills in the version (a hash of every file): any change installs a new worker.

const PREFIX = 'banxing-static-',
  CACHE = PREFIX + BUILD.version,
  SCOPE = registration.scope; // …/app/

oninstall = e => {
  e.waitUntil((async () => {
    // Revalidated: what the page has just loaded comes back as a 304, not a second download.
    await (await caches.open(CACHE)).addAll(BUILD.precache.map(url => new Request(url, { cache: 'no-cache' })));
    // The first install has no page to protect; later ones wait for its word (updates.js).
    if (!registration.active) await skipWaiting();
  })());
};

onactivate = e => {
  e.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name != CACHE) await caches.delete(name);
    }
    await clients.claim();
  })());
};

onmessage = e => {
  if (e.data?.type == 'activate') skipWaiting();
};

onfetch = e => {
  const { request } = e;
  if (request.method != 'GET' || !request.url.startsWith(SCOPE)) return;
  // Every navigation gets the shell (/app/?code=… too).
  const key = request.mode == 'navigate' ? SCOPE : request;
  // A file missing from the cache goes back in it: a disk full to the last byte makes Chromium drop the ones it
  // read then, and every start without a signal stopped at 正在打开伴行… until the next version.
  e.respondWith(caches.open(CACHE).then(c => c.match(key, { ignoreSearch: true })
    .then(hit => hit || fetch(request).then(r => (r.ok && c.put(key, r.clone()), r)))));
};
