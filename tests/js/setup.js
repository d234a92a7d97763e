// Shared by the module tests: a freshly enrolled phone, and the raw IndexedDB contents.
import { deleteDb } from '/app/js/db.js';
import * as repo from '/app/js/repo.js';
import * as vault from '/app/js/vault.js';

export const ENROLMENT = {
  device_id: '01a2058d-b87b-73c7-a1f9-1835fb170ba9', token: 'bxd1.first-token', recovery_token: 'bxr1.recovery',
  user: { id: 'me', name: '王建国', role: 'mentor', unit_id: 'u1' },
};

export async function fresh(pin = '1234') {
  vault.forget();
  repo.clear();
  await deleteDb();
  await vault.create(ENROLMENT, pin);
}

/** Every value in every store, with byte arrays read as Latin-1 text, as one string. */
export async function rawDump() {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('banxing');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const names = [...db.objectStoreNames];
  const t = db.transaction(names, 'readonly');
  const all = await Promise.all(names.map((name) => new Promise((resolve) => {
    const request = t.objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  })));
  db.close();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder();
  return JSON.stringify(all, (key, value) => (value instanceof Uint8Array
    ? latin1.decode(value) + utf8.decode(value) : value));
}

export const activityFields = (extra = {}) => ({
  pairing_id: 'p1', kind: 'home_visit', date: '2026-11-20', duration_min: null, place: null, preparation: '带上作业本',
  record: '和孩子聊了学校的事', follow_up: null, follow_up_due: null, moods: [], observations: [], tags: [],
  risk_flag: false, ...extra,
});
