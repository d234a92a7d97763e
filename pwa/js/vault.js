// The keys: set up at enrolment, opened with the PIN (or a recovery key from the station),
// held only in memory, dropped on lock. Also the sealed "session": the sync token, cursor and
// who this phone belongs to — encrypted, so a locked phone cannot sync or show a name.

import * as cryptoBox from './crypto.js';
import { get, put, req, tx } from './db.js';

// Waiting time after the n-th wrong PIN in a row, in seconds: slows down guessing at the
// screen without ever locking the volunteer out for good (the data stays encrypted).
const PIN_DELAYS = [0, 0, 0, 5, 15, 30, 60, 120, 300];
export const PIN_WARN_AFTER = 5;

let dataKey = null;
let session = null;
const lockHooks = [];
const lockListeners = [];

export class Locked extends Error {
  constructor() { super('locked'); this.name = 'Locked'; }
}

export const device = () => get('meta', 'device');
export const isUnlocked = () => dataKey !== null;

export function key() {
  if (!dataKey) throw new Locked();
  return dataKey;
}

export const seal = async (value) => cryptoBox.seal(key(), value);
export const unseal = async (sealed) => cryptoBox.unseal(key(), sealed);

export function pinDelay(fails) {
  return PIN_DELAYS[Math.min(fails, PIN_DELAYS.length - 1)];
}

/** First setup after enrolment: a new data key, wrapped by the PIN and by a new recovery key. */
export async function create(enrolment, pin) {
  const dk = await cryptoBox.newDataKey();
  const salt = cryptoBox.randomBytes(16);
  const byPin = await cryptoBox.wrap(dk, await cryptoBox.pinKey(pin, salt));
  const rk = await cryptoBox.newRecoveryKey();
  const byRecoveryNext = await cryptoBox.wrap(dk, rk.key);
  const fresh = {
    token: enrolment.token,
    user: enrolment.user,
    unit: null,
    cursor: null,
    lastSyncAt: null,
    // Uploaded at the first sync, then forgotten: only the server keeps the recovery key.
    pendingRecoveryKey: rk.text,
  };
  const sealed = await cryptoBox.seal(dk, fresh);
  await tx('meta', 'readwrite', async ({ meta }) => {
    meta.put({
      key: 'device', deviceId: enrolment.device_id, salt, iterations: cryptoBox.PBKDF2_ITERATIONS,
      byPin, byRecovery: null, byRecoveryNext, recoveryToken: enrolment.recovery_token,
      enrolledAt: new Date().toISOString(),
    });
    meta.put({ key: 'session', ...sealed });
    meta.put({ key: 'pin', fails: 0, waitUntil: 0 });
    // The mutation counter survives everything but a wipe; a new enrolment is a new device.
    const counter = await req(meta.get('counter'));
    if (!counter) meta.put({ key: 'counter', value: 0 });
  });
  dataKey = dk;
  session = fresh;
}

export async function pinStatus() {
  return (await get('meta', 'pin')) || { key: 'pin', fails: 0, waitUntil: 0 };
}

/** Try a PIN. {ok: true} or {ok: false, fails, wait} (seconds before the next try). */
export async function unlock(pin) {
  const status = await pinStatus();
  const now = Date.now();
  if (status.waitUntil > now) {
    return { ok: false, fails: status.fails, wait: Math.ceil((status.waitUntil - now) / 1000) };
  }
  const info = await device();
  try {
    const dk = await cryptoBox.unwrap(info.byPin, await cryptoBox.pinKey(pin, info.salt, info.iterations));
    await openSession(dk);
    await put('meta', { key: 'pin', fails: 0, waitUntil: 0 });
    return { ok: true };
  } catch (error) {
    if (error.name !== 'OperationError') throw error;
    const fails = status.fails + 1;
    const wait = pinDelay(fails);
    await put('meta', { key: 'pin', fails, waitUntil: now + wait * 1000 });
    return { ok: false, fails, wait };
  }
}

async function openSession(dk) {
  const sealed = await get('meta', 'session');
  session = await cryptoBox.unseal(dk, sealed);
  dataKey = dk;
}

/**
 * Open the data key with the recovery key the server released, and make its replacement at
 * once: the data key wrapped with a new key, which takes over locally only once the server
 * has it (recoveryKeyUploaded). Until then the released key still opens this phone, so a
 * recovery cut short (no signal, the app closed before the new PIN) can simply be repeated.
 * The caller then asks for a new PIN (setPin).
 */
export async function recover(recoveryKeyText) {
  const info = await device();
  const rkKey = await cryptoBox.recoveryKey(recoveryKeyText);
  // The server may hold the next key already, if its answer to the upload was lost.
  const wraps = [info.byRecovery, info.byRecoveryNext].filter(Boolean);
  let dk = null;
  for (const wrapped of wraps) {
    try {
      dk = await cryptoBox.unwrap(wrapped, rkKey);
      break;
    } catch (error) {
      if (error.name !== 'OperationError') throw error;
    }
  }
  if (!dk) throw new DOMException('this recovery key opens nothing here', 'OperationError');
  await openSession(dk);
  const rk = await cryptoBox.newRecoveryKey();
  const byRecoveryNext = await cryptoBox.wrap(dk, rk.key);
  const next = { ...session, pendingRecoveryKey: rk.text };
  const sealed = await cryptoBox.seal(dk, next);
  await tx('meta', 'readwrite', ({ meta }) => {
    meta.put({ ...info, byRecoveryNext });
    meta.put({ key: 'session', ...sealed });
    meta.put({ key: 'pin', fails: 0, waitUntil: 0 });
  });
  session = next;
}

/** The server stored the pending recovery key: it now opens this phone, the old one no longer. */
export async function recoveryKeyUploaded() {
  const info = await device();
  const { next, row } = await sealSession({ pendingRecoveryKey: null });
  await tx('meta', 'readwrite', ({ meta }) => {
    meta.put({ ...info, byRecovery: info.byRecoveryNext || info.byRecovery, byRecoveryNext: null });
    meta.put(row);
  });
  sessionWritten(next);
}

/** A new PIN for the open data key (after a recovery), with a new salt. */
export async function setPin(pin) {
  const dk = key();
  const info = await device();
  const salt = cryptoBox.randomBytes(16);
  const byPin = await cryptoBox.wrap(dk, await cryptoBox.pinKey(pin, salt));
  await put('meta', { ...info, salt, iterations: cryptoBox.PBKDF2_ITERATIONS, byPin });
}

export async function setRecoveryToken(token) {
  const info = await device();
  if (info && info.recoveryToken !== token) await put('meta', { ...info, recoveryToken: token });
}

// --- the sealed session --------------------------------------------------------------

export function currentSession() {
  if (!session) throw new Locked();
  return session;
}

/** Seal the session with `patch` applied, to be written inside the caller's transaction. */
export async function sealSession(patch) {
  const next = { ...currentSession(), ...patch };
  return { next, row: { key: 'session', ...(await seal(next)) } };
}

/** After the caller's transaction committed. */
export function sessionWritten(next) {
  if (dataKey) session = next;
}

export async function updateSession(patch) {
  const { next, row } = await sealSession(patch);
  await put('meta', row);
  sessionWritten(next);
  return next;
}

// --- locking -------------------------------------------------------------------------

/** Run before the key is dropped (drafts flush their last keystrokes). */
export function beforeLock(hook) { lockHooks.push(hook); }
export function onLock(listener) { lockListeners.push(listener); }

export async function lock() {
  if (!dataKey) return;
  for (const hook of lockHooks) {
    try { await hook(); } catch (error) { console.error('before lock', error); }
  }
  dataKey = null;
  session = null;
  for (const listener of lockListeners) listener();
}

/** Forget keys without running hooks (the data is being wiped). */
export function forget() {
  dataKey = null;
  session = null;
}
