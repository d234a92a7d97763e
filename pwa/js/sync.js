// Sync: push the outbox in order (halving the batch on 413), pull by cursor, keep the
// phone's account fresh. Runs on unlock, on `online`, every few minutes while open and on
// 立即同步 — never on Background Sync, which many phones' browsers lack.

import * as api from './api.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as vault from './vault.js';

export const PULL_LIMIT = 500;
export const MAX_BATCH = 200;
const MAX_BATCH_BYTES = 1000000;
const EVERY_MS = 3 * 60 * 1000;

let batchSize = MAX_BATCH;
let running = null;
let timer = null;
let lastRun = 0;
const state = { running: false, problem: null, message: '' };
const listeners = new Set();
const stopHandlers = [];

export function onSyncState(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function syncState() {
  return { ...state };
}

function emit(patch) {
  Object.assign(state, patch);
  for (const listener of listeners) listener(syncState());
}

const wire = (e) => ({
  mutation_id: e.mutation_id, entity: e.entity, record_id: e.record_id, op: e.op, base_version: e.base_version,
  fields: e.fields,
});

/** Run one sync now (or join the one running). Problems are reported through the state. */
export function syncNow(reason = 'button') {
  if (!vault.isUnlocked()) return Promise.resolve();
  if (running) return running;
  emit({ running: true });
  const work = async () => {
    lastRun = Date.now();
    try {
      await run();
      emit({ running: false, problem: null, message: '' });
    } catch (error) {
      await report(error, reason);
    }
  };
  running = (navigator.locks ? navigator.locks.request('banxing-sync', work) : work())
    .finally(() => { running = null; if (state.running) emit({ running: false }); });
  return running;
}

async function report(error, reason) {
  const at = new Date().toISOString();
  let problem = 'error';
  if (error instanceof api.OfflineError) problem = 'offline';
  else if (error instanceof api.ServerError) problem = 'server';
  else if (error instanceof api.RevokedError) problem = 'revoked';
  else if (error instanceof api.AuthError) problem = 'reenrol';
  else if (error instanceof api.InactiveError) problem = 'inactive';
  else if (error instanceof vault.Locked) problem = null;
  else if (!(error instanceof api.ApiError)) console.error('sync failed', reason, error);
  if (vault.isUnlocked() && problem) {
    await vault.updateSession({ lastAttemptAt: at, lastError: messageOf(problem, error) }).catch(() => {});
  }
  emit({ running: false, problem, message: error.message || String(error) });
}

function messageOf(problem, error) {
  if (problem === 'offline') return T.noNetwork;
  if (problem === 'server') return T.serverError;
  return error.message || String(error);
}

async function run() {
  const startedAt = new Date().toISOString();
  await uploadRecoveryKey();
  await pushAll();
  await pullAll();
  await refreshAccount();
  await vault.updateSession({ lastSyncAt: startedAt, lastAttemptAt: startedAt, lastError: null });
}

const token = () => vault.currentSession().token;

async function uploadRecoveryKey() {
  const pendingKey = vault.currentSession().pendingRecoveryKey;
  if (!pendingKey) return;
  await api.uploadRecoveryKey(token(), pendingKey);
  // The server holds it now; the phone keeps only the copy that wraps the data key.
  await vault.recoveryKeyUploaded();
}

/** Send the outbox oldest first; an entry leaves only on the server's answer for it. */
export async function pushAll() {
  for (;;) {
    const entries = repo.pending();
    if (entries.length === 0) return;
    let batch = entries.slice(0, batchSize);
    while (batch.length > 1 && JSON.stringify(batch.map(wire)).length > MAX_BATCH_BYTES) {
      batch = batch.slice(0, Math.ceil(batch.length / 2));
    }
    let answer;
    try {
      answer = await api.push(token(), batch.map(wire));
    } catch (error) {
      if (!(error instanceof api.TooLargeError)) throw error;
      if (batch.length === 1) {
        await repo.refuseTooLarge(batch[0], error.message);
      } else {
        batchSize = Math.max(1, Math.floor(batch.length / 2));
      }
      continue;
    }
    if ((await repo.settle(batch, answer)) === 0) {
      throw new api.ServerError(200, 'no_answers', T.noAnswers);
    }
  }
}

/** Pull every page after the stored cursor; from the start, also drop what is no longer sent. */
export async function pullAll() {
  let cursor = vault.currentSession().cursor;
  const seen = cursor ? null : new Set();
  for (let pages = 0; ; pages += 1) {
    let page;
    try {
      page = await api.pull(token(), cursor, PULL_LIMIT);
    } catch (error) {
      if (error.code !== 'cursor_invalid' || cursor === null) throw error;
      // The server was restored from an older backup: start again from the beginning.
      await vault.updateSession({ cursor: null });
      return pullAll();
    }
    const patch = { cursor: page.cursor };
    if (page.token) patch.token = page.token;
    await repo.applyPage(page, patch, seen);
    cursor = page.cursor;
    if (!page.more) break;
    if (pages > 100000) throw new Error('pull never ended');
  }
  if (seen) await repo.reconcile(seen);
}

async function refreshAccount() {
  const info = await api.phoneInfo(token());
  const patch = { user: info.user, unit: info.unit };
  if (info.token) patch.token = info.token;
  await vault.updateSession(patch);
  await vault.setRecoveryToken(info.recovery_token);
}

/** Start the triggers: now, on `online`, every few minutes while visible, on returning to the app. */
export function start() {
  stop();
  const online = () => syncNow('online');
  const visible = () => {
    if (document.visibilityState === 'visible' && Date.now() - lastRun > 60000) syncNow('visible');
  };
  window.addEventListener('online', online);
  document.addEventListener('visibilitychange', visible);
  timer = setInterval(() => {
    if (document.visibilityState === 'visible') syncNow('timer');
  }, EVERY_MS);
  stopHandlers.push(() => window.removeEventListener('online', online),
    () => document.removeEventListener('visibilitychange', visible), () => clearInterval(timer));
  return syncNow('load');
}

export function stop() {
  while (stopHandlers.length) stopHandlers.pop()();
}
