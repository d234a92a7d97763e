import { del, get, getAll, put } from './db.js';
import * as vault from './vault.js';

const waiting = new Map(); // id -> values not written yet, or null: to delete
// Drafts a full phone refused before a lock, sealed with the key the lock drops: the locked phone
// holds no readable word, and the PIN brings them back (release) to be written or shown again.
const held = new Map();
let writing = Promise.resolve();

async function hold() {
  for (const [id, draft] of waiting) {
    held.set(id, draft && await vault.seal(draft));
    waiting.delete(id);
  }
}

async function release() {
  for (const [id, sealed] of held) {
    const draft = sealed && await vault.unseal(sealed);
    held.delete(id);
    if (!waiting.has(id)) waiting.set(id, draft);
  }
}

async function writeWaiting() {
  if (!vault.isUnlocked()) return; // kept for the next unlock
  await release();
  for (const [id, draft] of waiting) {
    if (!vault.isUnlocked()) return;
    waiting.delete(id);
    try {
      if (draft === null) await del('drafts', id);
      else await put('drafts', { id, ...(await vault.seal({ ...draft, savedAt: new Date().toISOString() })) });
    } catch (error) {
      // A full phone refuses the write: the words wait for the next try (the next keystroke, a lock).
      if (!waiting.has(id)) waiting.set(id, draft);
      throw error;
    }
  }
}

const same = (a, b) => JSON.stringify(a) == JSON.stringify(b),
  sameValues = (a, b) => [...Object.keys(a), ...Object.keys(b)].every(name => same(a[name], b[name]));

// Resolves to whether every waiting draft is on disk: a form tells the volunteer when it is not.
export function flush() {
  writing = writing.then(writeWaiting).then(() => true, error => {
    console.error('draft not saved', error);
    return false;
  });
  return writing;
}

// `blank`: the values the form opened with. A form back to them keeps no draft (a box ticked and
// unticked again is no work to lose, and no 有一条没写完的帮扶记录 on the home screen).
export function saveDraft(id, values, extra = {}, blank = null) {
  // A form taken down by a lock fires `change` as it goes: its words went with the lock's flush, and
  // written later they would overwrite what another tab wrote meanwhile.
  if (!vault.isUnlocked()) return Promise.resolve(true);
  waiting.set(id, blank && sameValues(values, blank) ? null : { values, ...extra, ...(blank && { blank }) });
  return flush();
}

// What a draft of an edit brings back to its form: the fields the volunteer changed, not the whole
// form. A field left as the form opened takes the record's value now: the station's correction pulled
// since, not the value it replaced (which saving would send back as the volunteer's change). A draft
// with no `blank` is an older app's.
export const changedValues = ({ values, blank }) => (blank
  ? Object.fromEntries(Object.entries(values).filter(([name, value]) => !same(value, blank[name])))
  : values);

// A draft the phone refused (`unsaved: true`) comes back from memory: newer than the disk's copy,
// if there is one, and the only copy of the words typed since the phone filled up.
export async function loadDraft(id) {
  await flush();
  if (waiting.has(id)) return waiting.get(id) && { ...waiting.get(id), unsaved: true };
  const row = await get('drafts', id);
  return row ? vault.unseal(row) : null;
}

export async function clearDraft(id) {
  waiting.delete(id);
  held.delete(id);
  await writing;
  await del('drafts', id);
}

// The export and the count before a wipe carry the drafts the phone refused too.
export async function allDrafts() {
  await flush();
  const saved = await Promise.all((await getAll('drafts').catch(() => []))
    .map(async row => ({ id: row.id, ...(await vault.unseal(row)) }))),
    unsaved = [...waiting].map(([id, draft]) => draft && { id, ...draft, savedAt: new Date().toISOString() });
  return [...saved.filter(d => !waiting.has(d.id)), ...unsaved.filter(Boolean)];
}

// Words that exist only in this page's memory: a reload would lose them.
export const unwritten = () => waiting.size + held.size > 0;

vault.beforeLock(() => {
  writing = flush().then(hold).catch(error => console.error('draft not held', error));
  return writing;
});
