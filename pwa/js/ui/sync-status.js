// The sync state in words and a symbol, never colour alone: "未同步 3 条" / "已全部同步",
// "上次同步 10:42", what went wrong, and the 立即同步 button.

import { clock } from '../queries.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import * as vault from '../vault.js';
import { h, onCleanup } from './dom.js';

function describe() {
  const state = sync.syncState();
  const session = vault.currentSession();
  const waiting = repo.pending().length;
  const rejected = repo.rejectedCount();
  const unsent = waiting + rejected;
  const lines = [];
  let tone = unsent ? 'pending' : 'done';
  const main = unsent ? `↑ ${T.unsynced(unsent)}` : `✓ ${T.allSynced}`;
  if (state.running) lines.push(`↻ ${T.syncing}`);
  else if (state.problem === 'offline') { lines.push(`✕ ${T.offline}`); tone = unsent ? 'problem' : tone; }
  else if (state.problem === 'server') { lines.push(`⚠ ${T.serverDown}`); tone = 'problem'; }
  else if (state.problem === 'error') { lines.push(`⚠ ${state.message}`); tone = 'problem'; }
  else if (state.problem === 'inactive') { lines.push(`⚠ ${T.inactive}`); tone = 'problem'; }
  if (rejected) { lines.push(`⚠ ${T.needsAttention(rejected)}`); tone = 'problem'; }
  const last = session.lastSyncAt ? T.lastSync(clock(session.lastSyncAt)) : T.neverSynced;
  return { tone, main, last, lines };
}

/** A card that keeps itself up to date while it is on screen. */
export function syncCard() {
  const line = h('p', { class: 'line', role: 'status' });
  const last = h('p', { class: 'last' });
  const extra = h('div', { class: 'extra' });
  const button = h('button', { type: 'button', class: 'wide secondary', onclick: () => sync.syncNow('button') },
    T.syncNow);
  const card = h('section', { class: 'sync', 'aria-label': T.syncLabel }, line, last, extra, button);
  const update = () => {
    if (!vault.isUnlocked()) return;
    const d = describe();
    card.className = `sync ${d.tone}`;
    line.textContent = d.main;
    last.textContent = d.last;
    extra.replaceChildren(...d.lines.map((text) => h('p', {}, text)));
    button.disabled = sync.syncState().running;
  };
  // Subscribed after the screen that holds the card is shown; dropped when it is replaced.
  queueMicrotask(() => {
    const stops = [sync.onSyncState(update), repo.onChange(update)];
    onCleanup(() => stops.forEach((stop) => stop()));
  });
  update();
  return card;
}
