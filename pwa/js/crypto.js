// WebCrypto, nothing else: AES-GCM with a fresh 96-bit IV for every write, a random data key
// (DK) for all local data, wrapped by a PBKDF2 key from the PIN and, separately, by a random
// recovery key (RK) that only the server keeps. See docs/security.md for what this protects.

export const PBKDF2_ITERATIONS = 600000; // OWASP 2023 for PBKDF2-HMAC-SHA256; ~0.1 s here
const subtle = crypto.subtle;
const AES = { name: 'AES-GCM', length: 256 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Unpadded base64url, the form recovery keys travel in. */
export function toBase64Url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64Url(text) {
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** A fresh data key. Extractable only so it can be wrapped again (new PIN, new recovery key). */
export function newDataKey() {
  return subtle.generateKey(AES, true, ['encrypt', 'decrypt']);
}

/** The key that wraps the DK, derived from the PIN and this phone's random salt. */
export async function pinKey(pin, salt, iterations = PBKDF2_ITERATIONS) {
  const base = await subtle.importKey('raw', encoder.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, base, AES, false,
    ['wrapKey', 'unwrapKey']);
}

/** A fresh recovery key: its raw bytes (for the server) and the wrapping key made of them. */
export async function newRecoveryKey() {
  const raw = randomBytes(32);
  return { text: toBase64Url(raw), key: await recoveryKey(toBase64Url(raw)) };
}

export function recoveryKey(text) {
  return subtle.importKey('raw', fromBase64Url(text), AES, false, ['wrapKey', 'unwrapKey']);
}

export async function wrap(dataKey, wrappingKey) {
  const iv = randomBytes(12);
  return { iv, data: new Uint8Array(await subtle.wrapKey('raw', dataKey, wrappingKey, { name: 'AES-GCM', iv })) };
}

/** The DK; rejects (OperationError) when the wrapping key is wrong — a wrong PIN. */
export function unwrap(wrapped, wrappingKey) {
  return subtle.unwrapKey('raw', wrapped.data, wrappingKey, { name: 'AES-GCM', iv: wrapped.iv }, AES, true,
    ['encrypt', 'decrypt']);
}

/** Encrypt a JSON-able value: {iv, ct}, a new IV every time. */
export async function seal(key, value) {
  const iv = randomBytes(12);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, encoder.encode(JSON.stringify(value)));
  return { iv, ct: new Uint8Array(ct) };
}

export async function unseal(key, sealed) {
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, key, sealed.ct);
  return JSON.parse(decoder.decode(plain));
}
