// A small IndexedDB wrapper in the manner of jakearchibald/idb: a promise per request,
// one promise per transaction, cumulative upgrades. Values are stored as given; the
// callers (vault.js, repo.js) encrypt everything that holds a person's words.
//
// Stores:
//   meta     {key, ...}               device keys (wrapped), PIN attempts, text size, counter
//   records  {id, e, iv, ct}          one synced record each, encrypted; e = entity name
//   outbox   {mutation_id, iv, ct}    unsent mutations, encrypted, in send order
//   notices  {id, iv, ct}             rejected and conflicting changes the person must see
//   drafts   {id, iv, ct}             half-filled forms, saved as they are typed

export const DB_NAME = 'banxing';
const DB_VERSION = 1;

let opening = null;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('records', { keyPath: 'id' }).createIndex('entity', 'e');
    db.createObjectStore('outbox', { keyPath: 'mutation_id' });
    db.createObjectStore('notices', { keyPath: 'id' });
    db.createObjectStore('drafts', { keyPath: 'id' });
  }
}

/** The open database (one connection per page). */
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app wants to upgrade the schema: let it, and reload into it.
        // Nothing is lost: every record, outbox entry and draft is already in the database.
        db.onversionchange = () => { db.close(); opening = null; location.reload(); };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => { /* another tab holds an old version; it closes on versionchange */ };
    });
  }
  return opening;
}

/** Resolve a single IDBRequest. */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `fn(stores)` in one transaction over `names`; resolves with fn's result once the
 * transaction has committed. `fn` may await requests of this transaction, but nothing
 * else (a network or crypto await would let the transaction close): seal first, then write.
 */
export async function tx(names, mode, fn) {
  const db = await openDb();
  const list = Array.isArray(names) ? names : [names];
  const t = db.transaction(list, mode, { durability: 'strict' });
  const stores = Object.fromEntries(list.map((name) => [name, t.objectStore(name)]));
  const done = new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
  });
  let result;
  try {
    result = await fn(stores, t);
  } catch (error) {
    try { t.abort(); } catch { /* already finished */ }
    await done.catch(() => {});
    throw error;
  }
  await done;
  return result;
}

export const getAll = (store) => tx(store, 'readonly', (s) => req(s[store].getAll()));
export const get = (store, key) => tx(store, 'readonly', (s) => req(s[store].get(key)));
export const put = (store, value) => tx(store, 'readwrite', (s) => req(s[store].put(value)));
export const del = (store, key) => tx(store, 'readwrite', (s) => req(s[store].delete(key)));

/** Close and delete the whole database (wipe after a revoked phone or a log out). */
export async function deleteDb() {
  if (opening) {
    const db = await opening.catch(() => null);
    if (db) db.close();
    opening = null;
  }
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve(); // other tabs close on versionchange; deletion completes then
  });
}
