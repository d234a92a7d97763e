// Text size (标准 / 大 / 特大), kept in the clear: the unlock screen needs it before the PIN.

import { get, put } from './db.js';

export const SIZES = ['std', 'lg', 'xl'];

export function apply(size) {
  document.documentElement.dataset.size = SIZES.includes(size) ? size : 'std';
}

export async function load() {
  const prefs = await get('meta', 'prefs');
  apply(prefs && prefs.size);
  return prefs || { key: 'prefs', size: 'std' };
}

export async function setSize(size) {
  apply(size);
  const prefs = (await get('meta', 'prefs')) || { key: 'prefs' };
  await put('meta', { ...prefs, size });
}
