import { unsentKeys } from '../export.js';
import * as prefs from '../prefs.js';
import { T } from '../strings.js';
import * as vault from '../vault.js';
import { button, chips, confirmButton, h, listed, screen, show } from './dom.js';
import { exportButton } from './waiting.js';

export async function render({ wipe, seq = null }) {
  const { user, unit, exported } = vault.currentSession(),
    info = await vault.device(),
    sizes = chips(T.textSize, 'size', prefs.SIZES.map(s => [s, T.sizes[s]]),
      { type: 'radio', selected: document.documentElement.dataset.size || 'std' });
  sizes.onchange = e => prefs.setSize(e.target.value);
  const unsent = await unsentKeys(),
    persisted = await navigator.storage?.persisted?.();
  show(screen({ title: T.settings, tab: 'settings' },
    sizes,
    button(T.lockNow, vault.lock, 'wide'),
    h('h2', T.thisPhone),
    h('p', listed(user?.name, unit?.name)),
    h('p', T.phoneId(shortId(info.deviceId))),
    h('p.hint', persisted ? T.storageKept : T.storageNotKept),
    h('h2', T.logout),
    h('p', T.logoutSay),
    unsent.every(k => exported?.includes(k)) ? confirmButton(T.logout, T.wipeConfirm, wipe, 'wide danger')
      : [h('p.notice.warn', { role: 'status' }, T.logoutRefused(unsent.length)), exportButton()]), seq);
}

export function shortId(deviceId) {
  const tail = String(deviceId || '').replace(/-/g, '').slice(-8).toUpperCase();
  return `${tail.slice(0, 4)}-${tail.slice(4)}`;
}
