export const PBKDF2_ITERATIONS = 600000; // OWASP 2023 for PBKDF2-HMAC-SHA256; ~0.1 s here
const subtle = crypto.subtle,
  AES = { name: 'AES-GCM', length: 256 },
  WRAPPING = ['wrapKey', 'unwrapKey'],
  USES = ['encrypt', 'decrypt'],
  gcm = iv => ({ name: 'AES-GCM', iv }),
  encoder = new TextEncoder(),
  decoder = new TextDecoder();

export const randomBytes = n => crypto.getRandomValues(new Uint8Array(n)),

  toBase64Url = bytes =>
    btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),

  fromBase64Url = text =>
    Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), c => c.charCodeAt(0)),

    // Extractable, to be wrapped again (new PIN, new recovery key).
  newDataKey = () => subtle.generateKey(AES, true, USES);

export async function pinKey(pin, salt, iterations = PBKDF2_ITERATIONS) {
  const base = await subtle.importKey('raw', encoder.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, base, AES, false, WRAPPING);
}

export async function newRecoveryKey() {
  const text = toBase64Url(randomBytes(32));
  return { text, key: await recoveryKey(text) };
}

export const recoveryKey = text => subtle.importKey('raw', fromBase64Url(text), AES, false, WRAPPING);

export async function wrap(dataKey, wrappingKey) {
  const iv = randomBytes(12);
  return { iv, data: new Uint8Array(await subtle.wrapKey('raw', dataKey, wrappingKey, gcm(iv))) };
}

export const unwrap = (wrapped, wrappingKey) =>
  subtle.unwrapKey('raw', wrapped.data, wrappingKey, gcm(wrapped.iv), AES, true, USES);

export async function seal(key, value) {
  const iv = randomBytes(12);
  return { iv, ct: new Uint8Array(await subtle.encrypt(gcm(iv), key, encoder.encode(JSON.stringify(value)))) };
}

export async function unseal(key, sealed) {
  return JSON.parse(decoder.decode(await subtle.decrypt(gcm(sealed.iv), key, sealed.ct)));
}
