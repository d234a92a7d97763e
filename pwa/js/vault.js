// Keys live only in memory; the session is sealed too: a locked phone shows and sends nothing.

import * as box from './crypto.js';
import { get, put, req, tx } from './db.js';

// Seconds after the n-th wrong PIN: slows guessing, never locks the volunteer out for good.
const PIN_DELAYS = [0, 0, 0, 5, 15, 30, 60, 120, 300];
export const PIN_WARN_AFTER = 5;
const PIN_OK = { key: 'pin', fails: 0, waitUntil: 0 };

let dataKey = null;
let session = null;
const lockHooks = [],
  lockListeners = [];

export class Locked extends Error {
  name = 'Locked';
}

export const device = () => get('meta', 'device'),
  isUnlocked = () => dataKey !== null;

function key() {
  if (!dataKey) throw new Locked();
  return dataKey;
}

export const seal = async value => box.seal(key(), value),
  unseal = async sealed => box.unseal(key(), sealed),
  pinDelay = fails => PIN_DELAYS[Math.min(fails, PIN_DELAYS.length - 1)];

async function byPin(pin, dk = key()) {
  const salt = box.randomBytes(16);
  return { salt, iterations: box.PBKDF2_ITERATIONS, byPin: await box.wrap(dk, await box.pinKey(pin, salt)) };
}

async function nextRecovery(dk) {
  const rk = await box.newRecoveryKey();
  return { text: rk.text, byRecoveryNext: await box.wrap(dk, rk.key) };
}

export async function create(enrolment, pin) {
  const dk = await box.newDataKey(),
    recovery = await nextRecovery(dk),
    fresh = {
      token: enrolment.token, user: enrolment.user, unit: null, cursor: null, lastSyncAt: null,
      // Uploaded at the first sync, then forgotten: only the server keeps it.
      pendingRecoveryKey: recovery.text,
    },
    row = { key: 'device', deviceId: enrolment.device_id, ...(await byPin(pin, dk)), byRecovery: null,
      byRecoveryNext: recovery.byRecoveryNext, recoveryToken: enrolment.recovery_token },
    sealed = await box.seal(dk, fresh);
  await tx('meta', 'readwrite', async ({ meta }) => {
    meta.put(row);
    meta.put({ key: 'session', ...sealed });
    meta.put(PIN_OK);
    // The mutation counter survives everything but a wipe; a new enrolment is a new device.
    if (!await req(meta.get('counter'))) meta.put({ key: 'counter', value: 0 });
  });
  dataKey = dk;
  session = fresh;
}

export const pinStatus = async () => (await get('meta', 'pin')) || PIN_OK;

export async function unlock(pin) {
  const status = await pinStatus(),
    now = Date.now();
  if (status.waitUntil > now) {
    return { ok: false, fails: status.fails, wait: Math.ceil((status.waitUntil - now) / 1000) };
  }
  const info = await device();
  try {
    await openSession(await box.unwrap(info.byPin, await box.pinKey(pin, info.salt, info.iterations)));
    // A full phone may refuse even this small write: the right PIN must open it all the same (the
    // words a refused draft kept in memory are behind it).
    if (status.fails > 0) await put('meta', PIN_OK).catch(error => console.error('pin count', error));
    return { ok: true };
  } catch (error) {
    if (error.name != 'OperationError') throw error;
    const fails = status.fails + 1,
      wait = pinDelay(fails);
    await put('meta', { key: 'pin', fails, waitUntil: now + wait * 1000 });
    return { ok: false, fails, wait };
  }
}

async function openSession(dk) {
  session = await box.unseal(dk, await get('meta', 'session'));
  dataKey = dk;
}

// The next recovery key takes over once the server has it (recoveryKeyUploaded): a recovery
// cut short can be repeated.
export async function recover(recoveryKeyText) {
  const info = await device(),
    rk = await box.recoveryKey(recoveryKeyText);
  let dk = null;
  // The server may hold the next key already, if its answer to the upload was lost.
  for (const wrapped of [info.byRecovery, info.byRecoveryNext]) {
    if (dk || !wrapped) continue;
    dk = await box.unwrap(wrapped, rk).catch(error => {
      if (error.name != 'OperationError') throw error;
    });
  }
  if (!dk) throw new DOMException('this recovery key opens nothing here', 'OperationError');
  await openSession(dk);
  const recovery = await nextRecovery(dk),
    next = { ...session, pendingRecoveryKey: recovery.text },
    sealed = await box.seal(dk, next);
  await tx('meta', 'readwrite', ({ meta }) => {
    meta.put({ ...info, byRecoveryNext: recovery.byRecoveryNext });
    meta.put({ key: 'session', ...sealed });
    meta.put(PIN_OK);
  });
  session = next;
}

export async function recoveryKeyUploaded() {
  const info = await device(),
    { next, row } = await sealSession({ pendingRecoveryKey: null });
  await tx('meta', 'readwrite', ({ meta }) => {
    meta.put({ ...info, byRecovery: info.byRecoveryNext || info.byRecovery, byRecoveryNext: null });
    meta.put(row);
  });
  sessionWritten(next);
}

export async function setPin(pin) {
  await put('meta', { ...(await device()), ...(await byPin(pin)) });
}

// Kept in the clear because the forgot-PIN screen needs them while the phone is locked: the
// recovery token (it opens only POST /api/recovery) and the station's telephone (no child's data).
export async function keepUnsealed({ recoveryToken, stationPhone }) {
  const info = await device();
  if (info && (info.recoveryToken !== recoveryToken || info.stationPhone !== stationPhone)) {
    await put('meta', { ...info, recoveryToken, stationPhone });
  }
}

export function currentSession() {
  if (!session) throw new Locked();
  return session;
}

export async function sealSession(patch) {
  const next = { ...currentSession(), ...patch };
  return { next, row: { key: 'session', ...(await seal(next)) } };
}

export function sessionWritten(next) {
  if (dataKey) session = next;
}

export async function updateSession(patch) {
  const { next, row } = await sealSession(patch);
  await put('meta', row);
  sessionWritten(next);
  return next;
}

export const beforeLock = hook => lockHooks.push(hook),
  onLock = listener => lockListeners.push(listener);

export async function lock() {
  if (!dataKey) return;
  for (const hook of lockHooks) {
    try { await hook(); } catch (error) { console.error('before lock', error); }
  }
  forget();
  for (const listener of lockListeners) listener();
}

export function forget() {
  dataKey = null;
  session = null;
}
