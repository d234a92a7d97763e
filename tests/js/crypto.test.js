import * as c from '/app/js/crypto.js';
import { assert, equal, rejects, test } from './harness.js';

test('sealing the same value twice gives different ciphertexts (a fresh IV each time)', async () => {
  const key = await c.newDataKey();
  const a = await c.seal(key, { text: '和孩子聊了学校的事' });
  const b = await c.seal(key, { text: '和孩子聊了学校的事' });
  assert(a.iv.length === 12, 'a 96-bit IV');
  assert(a.iv.join() !== b.iv.join(), 'IV reused');
  assert(a.ct.join() !== b.ct.join(), 'same ciphertext twice');
  equal(await c.unseal(key, a), { text: '和孩子聊了学校的事' });
});

test('a sealed value holds no plaintext bytes', async () => {
  const key = await c.newDataKey();
  const sealed = await c.seal(key, { name: 'XIAOMING-PLAIN' });
  const text = new TextDecoder('latin1').decode(sealed.ct);
  assert(!text.includes('XIAOMING'), 'plaintext visible in the ciphertext');
});

test('unsealing with another key fails', async () => {
  const sealed = await c.seal(await c.newDataKey(), [1, 2, 3]);
  const error = await rejects(c.unseal(await c.newDataKey(), sealed));
  equal(error.name, 'OperationError');
});

test('the data key unwraps with the right PIN and not with a wrong one', async () => {
  const dk = await c.newDataKey();
  const salt = c.randomBytes(16);
  const wrapped = await c.wrap(dk, await c.pinKey('2468', salt, 1000));
  const again = await c.unwrap(wrapped, await c.pinKey('2468', salt, 1000));
  const sealed = await c.seal(dk, 'x');
  equal(await c.unseal(again, sealed), 'x');
  const error = await rejects(c.unwrap(wrapped, await c.pinKey('2469', salt, 1000)));
  equal(error.name, 'OperationError');
});

test('the same PIN with another salt does not unwrap', async () => {
  const dk = await c.newDataKey();
  const wrapped = await c.wrap(dk, await c.pinKey('1357', c.randomBytes(16), 1000));
  equal((await rejects(c.unwrap(wrapped, await c.pinKey('1357', c.randomBytes(16), 1000)))).name, 'OperationError');
});

test('a recovery key is 43 base64url characters and unwraps what it wrapped', async () => {
  const dk = await c.newDataKey();
  const rk = await c.newRecoveryKey();
  assert(/^[A-Za-z0-9_-]{43}$/.test(rk.text), rk.text);
  const wrapped = await c.wrap(dk, rk.key);
  const back = await c.unwrap(wrapped, await c.recoveryKey(rk.text));
  equal(await c.unseal(back, await c.seal(dk, 7)), 7);
});

test('base64url round-trips every byte value', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  equal([...c.fromBase64Url(c.toBase64Url(bytes))], [...bytes]);
});

test('PIN keys use the high iteration count by default', () => {
  assert(c.PBKDF2_ITERATIONS >= 600000, String(c.PBKDF2_ITERATIONS));
});
