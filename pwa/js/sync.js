// Never on Background Sync, which many phones' browsers lack.

import * as api from './api.js';
import { clock, today } from './queries.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as vault from './vault.js';

const PULL_LIMIT = 500,
  MAX_BATCH = 200,
  MAX_BATCH_BYTES = 1000000,
  EVERY_MS = 3 * 60 * 1000,
  PROBLEMS = {
    OfflineError: 'offline', ServerError: 'server', RevokedError: 'revoked', AuthError: 'reenrol',
    InactiveError: 'inactive', Locked: null, AbortError: null, // the last two: this tab stopped
  };

let batchSize = MAX_BATCH,
  running = null,
  lastRun = 0;
const state = { running: false, problem: null, message: '' },
  listeners = new Set();
// stop() aborts it: the triggers' listeners go with it (an AbortSignal in addEventListener is Chrome 90 and
// Safari 15; every save already needs structuredClone, Chrome 98 and Safari 15.4).
let triggers = null;

export function onSyncState(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const syncState = () => ({ ...state });

function emit(patch) {
  Object.assign(state, patch);
  for (const listener of listeners) listener(syncState());
}

const token = () => vault.currentSession().token,
  stopping = () => triggers?.signal; // stop() ends the requests in flight (api.js says why)
const wire = ({ mutation_id, entity, record_id, op, base_version, fields }) =>
  ({ mutation_id, entity, record_id, op, base_version, fields });

export function syncNow(reason) {
  if (!vault.isUnlocked()) return Promise.resolve();
  if (running) return running;
  emit({ running: true });
  const work = async () => {
    lastRun = Date.now();
    try {
      const startedAt = repo.isoNow();
      // Kept and tried again at the next sync: a key lost on the way, or a full phone that cannot note it was
      // sent, stopped the sync there, and the visits waiting with it.
      await uploadRecoveryKey().catch(String);
      await repo.catchUp();
      await pushAll();
      await pullAll();
      await pushAll(); // what a pull after a restore found the server had lost
      await refreshAccount();
      await vault.updateSession({ lastSyncAt: startedAt, lastAttemptAt: startedAt, lastError: null,
        clockWrong: clockWrong(api.lastServerClock()) });
      emit({ running: false, problem: null, message: '' });
    } catch (error) {
      const problem = error.name in PROBLEMS ? PROBLEMS[error.name] : 'error';
      if (!(error instanceof api.ApiError) && problem) console.error('sync failed', reason, error);
      // A full phone cannot take the pulled records: said in words, not the browser's English.
      const message = repo.full(error) ? T.storageFull : error.message || String(error);
      if (vault.isUnlocked() && problem) {
        const lastError = problem == 'offline' ? T.noNetwork : problem == 'server' ? T.serverError : message;
        await vault.updateSession({ lastAttemptAt: repo.isoNow(), lastError }).catch(() => {});
      }
      emit({ running: false, problem, message });
    }
  };
  running = (navigator.locks ? navigator.locks.request('banxing-sync', work) : work())
    .finally(() => { running = null; if (state.running) emit({ running: false }); });
  return running;
}

// Syncs after a save (with signal); what became of the changes with these mutation ids, once a sync took
// them: 'sent' if the server took them as they were, else the kind of the notice it answered with
// ('conflict', 'rejected'); false for no ids. The volunteer, told 已保存。有网络时会自动同步。, must hear
// that too: saved offline, the answer waits for the sync that sends them (signal back, the timer).
export async function deliver(ids) {
  const queued = () => repo.pending().some(e => ids.includes(e.mutation_id));
  if (navigator.onLine) {
    await syncNow('save');
    if (queued() && !state.problem) await syncNow('save'); // the sync running at the save began without them
  }
  // Locked, the outbox is out of memory, not sent: wait for a sync after the PIN.
  while (!vault.isUnlocked() || queued()) {
    await new Promise(ok => { const off = onSyncState(s => s.running || ok(off())); });
  }
  return ids.length > 0 && (repo.noticeList().find(n => ids.includes(n.mutation_id))?.kind || 'sent');
}

// Hours apart before the phone's dates are called wrong: a visit's date is the day in China, so
// a phone a few hours out dates most visits right; one that reset to another year dates none.
const CLOCK_SLACK_MS = 6 * 3600 * 1000,

  // The day and the time in Beijing: a phone hours out is most often out on the same day (a foreign time
  // zone, the clock then set by hand to Beijing's hours), and two equal dates would say nothing was wrong.
  at = t => `${today(t)} ${clock(t)}`;

// {server, phone}: each clock as of this sync, YYYY-MM-DD HH:MM, when they disagree, else null.
function clockWrong(c) {
  if (!c || Math.abs(c.server - c.phone) <= CLOCK_SLACK_MS) return null;
  return { server: at(c.server), phone: at(c.phone) };
}

async function uploadRecoveryKey() {
  const key = vault.currentSession().pendingRecoveryKey;
  if (!key) return;
  await api.uploadRecoveryKey(token(), key, stopping());
  // Only the server holds it from now on.
  await vault.recoveryKeyUploaded();
}

export async function pushAll() {
  while (repo.pending().length) {
    let batch = repo.pending().slice(0, batchSize);
    while (batch.length > 1 && JSON.stringify(batch.map(wire)).length > MAX_BATCH_BYTES) {
      batch = batch.slice(0, Math.ceil(batch.length / 2));
    }
    let answer;
    try {
      answer = await api.push(token(), batch.map(wire), stopping());
    } catch (error) {
      if (!(error instanceof api.TooLargeError)) throw error;
      if (batch.length == 1) await repo.refuseTooLarge(batch[0], error.message);
      else batchSize = Math.floor(batch.length / 2);
      continue;
    }
    if (!await repo.settle(batch, answer)) throw new api.ServerError(200, 'no_answers', T.noAnswers);
  }
}

// A server restored from an older copy lost what it acknowledged after that copy was made, and
// says so by a new `history` on every page (or `restored` on a cursor past its end). The phone
// then pulls from the start while comparing (`recovering`, kept in the session until the pull
// ends, so an interrupted one starts again) and sends again what it holds that the server lost.
export async function pullAll() {
  const { recovering = false, cursor: kept, entities } = vault.currentSession(),
    // A cursor passed over the records of entities an older version of the app did not keep.
    kinds = repo.SYNCED.join(' ');
  let cursor = recovering || entities !== kinds ? null : kept;
  const seen = cursor ? null : new Set();
  for (let more = true, pages = 0; more; pages += 1) {
    let page;
    try {
      page = await api.pull(token(), cursor, PULL_LIMIT, stopping());
    } catch (error) {
      if (error.code != 'cursor_invalid' || cursor === null) throw error;
      // The phone's scope changed, or the server was restored: start again from the beginning.
      await vault.updateSession({ cursor: null, ...(error.restored && { recovering: true }) });
      return pullAll();
    }
    const { history } = vault.currentSession();
    if (!recovering && page.history && history && page.history !== history) {
      await vault.updateSession({ cursor: null, recovering: true });
      return pullAll();
    }
    const patch = { cursor: page.cursor, entities: kinds, ...(page.history && { history: page.history }),
      ...(page.token && { token: page.token }) };
    await repo.applyPage(page, patch, seen, recovering);
    ({ cursor, more } = page);
    if (pages > 100000) throw new Error('pull never ended');
  }
  if (seen) await repo.reconcile(seen, { recovering, sessionPatch: recovering ? { recovering: false } : null });
}

async function refreshAccount() {
  const { user, unit, token: renewed, recovery_token: recoveryToken } = await api.phoneInfo(token(), stopping());
  await vault.updateSession({ user, unit, ...(renewed && { token: renewed }) });
  await vault.keepUnsealed({ recoveryToken, stationPhone: unit?.phone || null });
}

export function start() {
  stop();
  triggers = new AbortController();
  const { signal } = triggers;
  addEventListener('online', () => syncNow('online'), { signal });
  // Said as the signal goes, not at the next try minutes later: she must not think a visit she logs now went.
  addEventListener('offline', () => emit({ problem: 'offline' }), { signal });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && Date.now() - lastRun > 60000) syncNow('visible');
  }, { signal });
  const timer = setInterval(() => {
    if (!document.hidden) syncNow('timer');
  }, EVERY_MS);
  signal.onabort = () => clearInterval(timer);
  return syncNow('load');
}

export const stop = () => triggers?.abort();
