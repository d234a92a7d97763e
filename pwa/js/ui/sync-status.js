// The sync state in words and a symbol, never colour alone.

import { clock } from '../queries.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import * as vault from '../vault.js';
import { h, onCleanup } from './dom.js';

const PROBLEMS = { offline: `✕ ${T.offline}`, server: `⚠ ${T.serverDown}`, inactive: `⚠ ${T.inactive}` };

function describe() {
  const { running, problem, message } = sync.syncState();
  const rejected = repo.rejectedCount();
  const unsent = repo.pending().length + rejected;
  const line = running ? `↻ ${T.syncing}` : problem === 'error' ? `⚠ ${message}` : PROBLEMS[problem];
  // Offline with nothing waiting is no problem: everything is on the server.
  const trouble = (!running && line && (problem !== 'offline' || unsent)) || rejected;
  const { lastSyncAt } = vault.currentSession();
  return {
    tone: trouble ? 'problem' : unsent ? 'pending' : 'done',
    main: unsent ? `↑ ${T.unsynced(unsent)}` : `✓ ${T.allSynced}`,
    last: lastSyncAt ? T.lastSync(clock(lastSyncAt)) : T.neverSynced,
    lines: [line, rejected && `⚠ ${T.needsAttention(rejected)}`].filter(Boolean),
  };
}

export function syncCard() {
  const line = h('p', { class: 'line', role: 'status' });
  const last = h('p', { class: 'last' });
  const extra = h('div');
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
  // Subscribed once its screen is shown; dropped when that is replaced.
  queueMicrotask(() => {
    const stops = [sync.onSyncState(update), repo.onChange(update)];
    onCleanup(() => stops.forEach((stop) => stop()));
  });
  update();
  return card;
}
