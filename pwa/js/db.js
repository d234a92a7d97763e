const NAME = 'banxing';
let opening = null,
  closed = false,
  watcher = async () => {};

// What another tab's app version means for this page, told to main.js: 'blocked' (an older version
// holds the database open, and this page waits until it lets go) or 'outdated' (a newer version must
// upgrade it: this page writes what it can, then closes the database and asks for a reload).
export const watch = fn => { watcher = fn; };

// Not a reload by itself: that would drop an open form, and the words a full phone refused.
async function makeWay(db) {
  try { await watcher('outdated'); } catch (error) { console.error('before closing', error); }
  db.close();
  closed = true;
  opening = null;
}

// The database closed under the page. The browser, or a phone-cleaning app, deleted the site's data: opened
// again, it is made anew (the upgrade is undone), or the open is aborted while the deletion goes on (asked
// again). Or the disk is full and the browser closed it after a write failed: it is still there, or cannot be
// opened yet (UnknownError), and the next write opens it again. Said cleared, the app offered to wipe what the
// full disk still held.
function probe() {
  const r = indexedDB.open(NAME);
  r.onupgradeneeded = () => { r.onerror = null; r.transaction.abort(); watcher('cleared'); };
  // Opened (r.error is null) or refused: closed again, or never open (r.result would throw).
  r.onsuccess = r.onerror = () =>
    (r.error?.name == 'AbortError' ? probe() : (r.error || r.result.close(), opening = null));
}

function openDb() {
  if (closed) return Promise.reject(new DOMException('a newer app has it', 'VersionError'));
  opening ||= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = ({ oldVersion }) => {
      const db = request.result,
        store = (name, keyPath = 'id') => db.createObjectStore(name, { keyPath });
      if (oldVersion < 1) {
        store('meta', 'key');
        store('records').createIndex('entity', 'e');
        store('outbox', 'mutation_id');
        store('notices');
        store('drafts');
      }
    };
    request.onblocked = () => watcher('blocked');
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => makeWay(db);
      db.onclose = probe;
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
  });
  return opening;
}

export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// `fn` may await only this transaction's requests (others close it): seal, then write.
export async function tx(names, mode, fn) {
  const list = [names].flat(),
    t = (await openDb()).transaction(list, mode, { durability: 'strict' }),
    done = new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = t.onabort = () => reject(t.error || new Error('transaction aborted'));
    });
  let result;
  try {
    result = await fn(Object.fromEntries(list.map(name => [name, t.objectStore(name)])));
  } catch (error) {
    // Finished already, if it throws: the error that matters is fn's.
    try { t.abort(); } catch {}
    await done.catch(() => {});
    throw error;
  }
  await done;
  return result;
}

export const getAll = store => tx(store, 'readonly', s => req(s[store].getAll())),
  get = (store, key) => tx(store, 'readonly', s => req(s[store].get(key))),
  put = (store, value) => tx(store, 'readwrite', s => req(s[store].put(value))),
  del = (store, key) => tx(store, 'readwrite', s => req(s[store].delete(key)));

export async function deleteDb() {
  const db = await opening?.catch(() => null);
  db?.close();
  opening = null;
  const request = indexedDB.deleteDatabase(NAME);
  await new Promise((resolve, reject) => {
    request.onsuccess = request.onblocked = resolve;
    request.onerror = () => reject(request.error);
  });
}
