import * as db from '/app/js/db.js';
import * as drafts from '/app/js/drafts.js';
import { equal, rejects, test } from './harness.js';
import { fresh } from './setup.js';

const heard = [];
db.watch(async (what) => {
  heard.push(what);
  if (what === 'outdated') await drafts.flush();
});

// Within five seconds, or the test fails instead of hanging the whole run.
const soon = (promise, what) => Promise.race([promise, new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error(what + ' still waiting after 5 s')), 5000);
})]);

test('an open an older tab blocks says so, and goes on once it is let go', async () => {
  // A real block needs an older schema version than this app's first: the browser's event is played.
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function opened(...args) {
    const request = open.apply(this, args);
    setTimeout(() => request.onblocked?.(new Event('blocked')));
    return request;
  };
  try {
    await fresh('1234');
  } finally {
    IDBFactory.prototype.open = open;
  }
  equal(heard, ['blocked']);
});

test('a newer version in another tab: this page writes its drafts, lets go, and refuses to go on', async () => {
  heard.length = 0;
  drafts.saveDraft('activity:new', { record: '另一个页面升级前写的字' });
  const newer = await soon(new Promise((resolve, reject) => {
    const request = indexedDB.open('banxing', 2);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }), 'the newer version');
  const count = await new Promise((resolve) => {
    const request = newer.transaction('drafts').objectStore('drafts').count();
    request.onsuccess = () => resolve(request.result);
  });
  newer.close();
  equal(heard, ['outdated']);
  equal(count, 1, 'the draft was written before the page let go');
  equal((await rejects(db.get('meta', 'device'))).name, 'VersionError');
});
