// Kept in the clear: the unlock screen needs it before the PIN.

import { get, put } from './db.js';

export const SIZES = ['std', 'lg', 'xl'];

function apply(size) {
  document.documentElement.dataset.size = SIZES.includes(size) ? size : 'std';
}

export async function load() {
  apply((await get('meta', 'prefs'))?.size);
}

export async function setSize(size) {
  apply(size);
  await put('meta', { ...(await get('meta', 'prefs')), key: 'prefs', size });
}
