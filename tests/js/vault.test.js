import { get, put } from '/app/js/db.js';
import * as vault from '/app/js/vault.js';
import { assert, equal, rejects, test } from './harness.js';
import { ENROLMENT, fresh } from './setup.js';

test('the right PIN opens the session, a wrong one is refused and slowed down', async () => {
  await fresh('2468');
  await vault.lock();
  assert(!vault.isUnlocked());
  const tries = [];
  for (let i = 0; i < 3; i += 1) tries.push(await vault.unlock('1111'));
  equal(tries.map((t) => [t.ok, t.fails, t.wait]), [[false, 1, 0], [false, 2, 0], [false, 3, 5]]);
  const early = await vault.unlock('2468');
  equal([early.ok, early.fails], [false, 3], 'even the right PIN waits out the delay');
  const status = await vault.pinStatus();
  await put('meta', { ...status, waitUntil: Date.now() - 1 }); // the five seconds are over
  equal((await vault.unlock('2468')).ok, true);
  equal(vault.currentSession().token, ENROLMENT.token);
  equal((await vault.pinStatus()).fails, 0);
});

test('the waits grow with every wrong PIN, and never lock the volunteer out for good', () => {
  const waits = Array.from({ length: 20 }, (_, i) => vault.pinDelay(i + 1));
  for (let i = 1; i < waits.length; i += 1) assert(waits[i] >= waits[i - 1], String(waits));
  assert(waits[waits.length - 1] <= 300, 'capped at five minutes');
  assert(waits[5] > 0);
});

test('locking drops the key and runs the before-lock hooks first', async () => {
  const seen = [];
  vault.beforeLock(() => { seen.push(vault.isUnlocked()); });
  await vault.lock();
  equal(seen, [true]);
  assert(!vault.isUnlocked());
  equal((await rejects(vault.seal('x'))).name, 'Locked');
});

test('the recovery key opens the data; a new PIN and a new recovery key replace the old ones', async () => {
  await fresh('1234');
  const first = vault.currentSession().pendingRecoveryKey;
  assert(/^[A-Za-z0-9_-]{43}$/.test(first), 'a recovery key waits for upload');
  await vault.recoveryKeyUploaded(); // what sync does once the server has it
  equal(vault.currentSession().pendingRecoveryKey, null, 'the phone forgets it');
  const before = await get('meta', 'device');
  await vault.lock();
  await vault.recover(first);
  assert(vault.isUnlocked());
  const second = vault.currentSession().pendingRecoveryKey;
  assert(second && second !== first, 'a new recovery key is made at once');
  await vault.setPin('9753');
  const after = await get('meta', 'device');
  assert(after.salt.join() !== before.salt.join(), 'a new salt with the new PIN');
  await vault.lock();
  equal((await vault.unlock('1234')).ok, false, 'the old PIN no longer opens');
  await put('meta', { key: 'pin', fails: 0, waitUntil: 0 });
  equal((await vault.unlock('9753')).ok, true);
  await vault.recoveryKeyUploaded();
  await vault.lock();
  const refused = await rejects(vault.recover(first));
  equal(refused.name, 'OperationError', 'once replaced on the server, the released key opens nothing');
  await vault.recover(second);
  assert(vault.isUnlocked());
});

test('a recovery cut short can be repeated with the same key', async () => {
  await fresh('1234');
  const first = vault.currentSession().pendingRecoveryKey;
  await vault.recoveryKeyUploaded();
  await vault.lock();
  await vault.recover(first); // ...and the app is closed before a new PIN is set, or before any sync
  vault.forget();
  await vault.recover(first); // the server still holds `first`: it must still open the phone
  assert(vault.isUnlocked());
});

test('if the upload reached the server but its answer was lost, the new key opens the phone too', async () => {
  await fresh('1234');
  const first = vault.currentSession().pendingRecoveryKey;
  await vault.recoveryKeyUploaded();
  await vault.lock();
  await vault.recover(first);
  const second = vault.currentSession().pendingRecoveryKey; // uploaded, answer lost: not committed here
  vault.forget();
  await vault.recover(second);
  assert(vault.isUnlocked());
});

test('the session is kept sealed and survives a lock', async () => {
  await fresh('1234');
  await vault.updateSession({ cursor: 'c9', lastSyncAt: '2026-11-30T02:00:00.000Z' });
  await vault.lock();
  await vault.unlock('1234');
  equal([vault.currentSession().cursor, vault.currentSession().user.name], ['c9', '王建国']);
});
