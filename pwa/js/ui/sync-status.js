import { moment } from '../queries.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import * as vault from '../vault.js';
import { button, h, onCleanup } from './dom.js';

const PROBLEMS = { offline: `✕ ${T.offline}`, server: `⚠ ${T.serverDown}`, inactive: `⚠ ${T.inactive}` };

function describe() {
  const { running, problem, message } = sync.syncState(),
    rejected = repo.rejectedCount(),
    conflicts = repo.conflictCount(),
    unsent = repo.unsentCount(),
    { lastSyncAt, clockWrong } = vault.currentSession(),
    line = running ? `↻ ${T.syncing}` : problem == 'error' ? `⚠ ${message}` : PROBLEMS[problem],
    // Offline with nothing waiting is no problem.
    trouble = (!running && line && (problem != 'offline' || unsent)) || rejected || conflicts || clockWrong,
    // An open conflict is sent but not done with: it heads the card in place of 已全部同步.
    clash = conflicts && `⚠ ${T.conflictsOpen(conflicts)}`;
  // A phone whose first sync has not gone through yet (no signal just after 登记) has nothing to send
  // and no children either: that is not ✓ 已全部同步.
  return {
    tone: trouble ? 'problem' : unsent || !lastSyncAt ? 'pending' : 'done',
    main: unsent ? `↑ ${T.unsynced(unsent)}` : clash || (lastSyncAt ? `✓ ${T.allSynced}` : T.neverSynced),
    last: lastSyncAt ? T.lastSync(moment(lastSyncAt)) : '',
    lines: [line, rejected && `⚠ ${T.needsAttention(rejected)}`, unsent && clash,
      clockWrong && `⚠ ${T.clockWrong(clockWrong)}`]
      .filter(Boolean),
  };
}

// `ended` runs when a sync ends, before the card says so: the 待同步 list redraws then, as a failed sync
// changes no record (no repo.onChange) yet is a try of each change it holds. With `each`, when one starts too
// (the home's words before the first sync ends: see home.js).
export function syncCard(ended, each) {
  const line = h('p.line', { role: 'status' }),
    last = h('p.last'),
    extra = h('div'),
    now = button(T.syncNow, () => sync.syncNow('button')),
    card = h('section.sync', { 'aria-label': T.syncLabel }, line, last, extra, now),
    update = () => {
      if (!vault.isUnlocked()) return;
      const d = describe();
      card.className = `sync ${d.tone}`;
      line.textContent = d.main;
      last.textContent = d.last;
      extra.replaceChildren(...d.lines.map(text => h('p', text)));
      now.disabled = sync.syncState().running;
    };
  // Once show() has run the cleanups registered before it, and after an emit() that redrew the screen:
  // a listener added during it would be called by it too, and redraw again.
  queueMicrotask(() => onCleanup(sync.onSyncState(s => update((s.running && !each) || ended?.())),
    repo.onChange(update)));
  update();
  return card;
}
