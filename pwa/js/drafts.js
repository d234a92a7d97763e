// Half-filled forms, saved encrypted as they are typed (on every `input` event, never on key
// events, so IME composition and voice input are untouched). A draft survives closing the
// app, locking, auto-lock and an app update; it is removed when the form is saved or cleared.

import { del, get, getAll, put } from './db.js';
import * as vault from './vault.js';

const waiting = new Map(); // draft id -> latest values not yet written
let writing = Promise.resolve();

async function writeWaiting() {
  while (waiting.size) {
    const [id, draft] = waiting.entries().next().value;
    waiting.delete(id);
    if (!vault.isUnlocked()) return;
    const sealed = await vault.seal({ ...draft, savedAt: new Date().toISOString() });
    await put('drafts', { id, ...sealed });
  }
}

function schedule() {
  writing = writing.then(writeWaiting).catch((error) => console.error('draft not saved', error));
  return writing;
}

/** Remember the latest values of form `id`; written at once, coalesced while a write runs. */
export function saveDraft(id, values, extra = {}) {
  waiting.set(id, { values, ...extra });
  return schedule();
}

/** Resolves once every draft typed so far is on disk (before the key is dropped). */
export function flush() {
  return schedule();
}

export async function loadDraft(id) {
  await flush();
  const row = await get('drafts', id);
  return row ? vault.unseal(row) : null;
}

export async function clearDraft(id) {
  waiting.delete(id);
  await writing;
  await del('drafts', id);
}

export async function allDrafts() {
  await flush();
  const rows = await getAll('drafts');
  return Promise.all(rows.map(async (row) => ({ id: row.id, ...(await vault.unseal(row)) })));
}

vault.beforeLock(flush);
