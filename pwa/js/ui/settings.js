// 设置: text size, 立即锁定, this phone, and 退出登记 — refused while anything is unsent,
// unless it was exported first.

import * as drafts from '../drafts.js';
import { exportUnsent } from '../export.js';
import * as prefs from '../prefs.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as vault from '../vault.js';
import { chips, confirmButton, h, screen, show } from './dom.js';
import { flash, rerender } from './nav.js';

export async function render({ wipe, seq = null }) {
  const session = vault.currentSession();
  const info = await vault.device();
  const current = document.documentElement.dataset.size || 'std';
  const sizes = chips(T.textSize, 'size', prefs.SIZES.map((s) => [s, T.sizes[s]]),
    { type: 'radio', selected: current });
  sizes.addEventListener('change', (event) => prefs.setSize(event.target.value));
  // When each unsent thing last changed: logging out is allowed once all of them were exported.
  const stamps = [
    ...repo.pending().map((e) => e.created_at),
    ...repo.noticeList().filter((n) => n.kind === 'rejected').map((n) => n.at),
    ...(await drafts.allDrafts()).map((d) => d.savedAt),
  ];
  const unsent = stamps.length;
  const mayLeave = unsent === 0 || Boolean(session.exportedAt && stamps.every((t) => t <= session.exportedAt));
  const persisted = navigator.storage && navigator.storage.persisted ? await navigator.storage.persisted() : false;
  show(screen({ title: T.settings, tab: 'settings' },
    sizes,
    h('button', { type: 'button', class: 'wide', onclick: () => vault.lock() }, T.lockNow),
    h('h2', {}, T.thisPhone),
    h('p', {}, [session.user && session.user.name, session.unit && session.unit.name].filter(Boolean).join(' · ')),
    h('p', {}, T.phoneId(shortId(info.deviceId))),
    h('p', { class: 'hint' }, persisted ? T.storageKept : T.storageNotKept),
    h('h2', {}, T.logout),
    h('p', {}, T.logoutSay),
    mayLeave ? null : h('p', { class: 'notice warn', role: 'status' }, T.logoutRefused(unsent)),
    mayLeave ? null : h('button', { type: 'button', class: 'wide secondary', onclick: async () => {
      const n = await exportUnsent();
      flash(T.exported(n));
      rerender();
    } }, T.exportUnsent),
    mayLeave ? confirmButton(T.logout, T.logoutConfirm, wipe, { class: 'wide danger' }) : null), seq);
}

/** The last 8 characters of the device id, in two groups: what staff match in `banxing devices`. */
export function shortId(deviceId) {
  const tail = String(deviceId || '').replace(/-/g, '').slice(-8).toUpperCase();
  return `${tail.slice(0, 4)}-${tail.slice(4)}`;
}
