import { del, get, getAll, put } from './db.js';
import * as vault from './vault.js';

const waiting = new Map(); // id -> values not written yet
let writing = Promise.resolve();

async function writeWaiting() {
  for (const [id, draft] of waiting) {
    waiting.delete(id);
    if (!vault.isUnlocked()) return;
    await put('drafts', { id, ...(await vault.seal({ ...draft, savedAt: new Date().toISOString() })) });
  }
}

export function flush() {
  writing = writing.then(writeWaiting).catch((error) => console.error('draft not saved', error));
  return writing;
}

export function saveDraft(id, values, extra = {}) {
  waiting.set(id, { values, ...extra });
  return flush();
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
  return Promise.all((await getAll('drafts')).map(async (row) => ({ id: row.id, ...(await vault.unseal(row)) })));
}

vault.beforeLock(flush);
