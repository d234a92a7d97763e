import { phoneInfo } from './api.js';
import * as db from './db.js';
import * as drafts from './drafts.js';
import { exportUnsent, unsentKeys } from './export.js';
import * as forms from './forms.js';
import * as idle from './idle.js';
import * as prefs from './prefs.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as sync from './sync.js';
import * as tab from './tab.js';
import * as updates from './updates.js';
import * as vault from './vault.js';
import * as activity from './ui/activity.js';
import { countUnsent, go, nextRender, recount, setRenderer } from './ui/dom.js';
import * as gate from './ui/gate.js';
import * as guardianForm from './ui/guardian-form.js';
import * as home from './ui/home.js';
import * as mentee from './ui/mentee.js';
import * as screeningForm from './ui/screening-form.js';
import * as settings from './ui/settings.js';
import * as visitForm from './ui/visit-form.js';
import * as waiting from './ui/waiting.js';

let gateShown = null; // 'unlock', …; null once the app is open
let stoppedPhone = null; // the meta 'stopped' this tab shows
let standing = null; // the screen this tab shows instead of the PIN once it has had to stop
const WECHAT_OK = 'banxing-wechat-ok';

async function boot() {
  await prefs.load();
  updates.register().catch(error => console.error('service worker', error));
  if (await tab.claim(taken)) await begin();
  else elsewhere();
}

async function begin() {
  const code = new URLSearchParams(location.search).get('code') || '',
    start = async () => {
      if (await vault.device()) return showUnlock();
      gateShown = 'enrol';
      gate.enrol({ code, done: () => opened(true) });
    };
  if (/MicroMessenger/i.test(navigator.userAgent) && !sessionStorage.getItem(WECHAT_OK)) {
    gateShown = 'wechat';
    gate.wechat(() => { sessionStorage.setItem(WECHAT_OK, '1'); start(); });
  } else {
    await start();
  }
}

// Another tab is the app: this one says so, and becomes it at a tap (the other then stops, as below).
// Words a full phone refused stay in this page's memory only (drafts.js): closing it would lose them.
function elsewhere() {
  gateShown = 'elsewhere';
  gate.standBy({
    title: T.elsewhere, say: T.elsewhereSay, label: T.useHere, warn: drafts.unwritten() && T.notSavedHere,
    async action() {
      standing = null;
      await tab.take(taken);
      await begin();
    },
  });
}

const taken = () => standDown('elsewhere', elsewhere);

function showUnlock() {
  gateShown = 'unlock';
  repo.prefetch();
  gate.unlock({
    done: opened,
    forgot() {
      gateShown = 'forgot';
      gate.forgotPin({ done: opened, back: showUnlock });
    },
  });
}

async function opened(enrolled = false) {
  if (standing) return vault.lock(); // unlocked as this tab had to stop: its screen again
  gateShown = null;
  await repo.load();
  if (!vault.isUnlocked()) return; // locked or stopped while loading
  idle.start(vault.lock);
  // The records live here: ask the browser not to evict them under pressure.
  if (enrolled === true) navigator.storage?.persist?.().catch(() => false);
  const stop = await db.get('meta', 'stopped');
  if (stop) return showStopped(stop);
  enter();
}

function enter() {
  setRenderer(() => route(true));
  route();
  sync.start();
}

function route(refresh = false) {
  if (!vault.isUnlocked() || gateShown || stoppedPhone) return;
  if (refresh && forms.isOpen()) { // never redraw a form under the volunteer's fingers
    forms.recordsChanged();
    return;
  }
  forms.closed();
  const seq = nextRender(),
    hash = location.hash || '#/',
    [, page, id, edit] = hash.match(/^#\/(\w+)\/([\w-]+)(\/edit)?$/) || [],
    at = name => page === name && !edit;
  if (edit && page == 'activity') {
    const record = repo.get(id);
    if (record) visitForm.render({ mode: 'edit', activity: record, seq }); else go('#/');
  } else if (at('mentee')) mentee.render({ menteeId: id, seq });
  else if (at('log') || hash == '#/log') visitForm.render({ mode: 'new', menteeId: id || null, seq });
  else if (at('activity')) activity.render({ activityId: id, seq });
  else if (at('screening')) screeningForm.render({ menteeId: id, seq });
  else if (at('guardian')) guardianForm.render({ menteeId: id, seq });
  else if (at('notice')) openNotice(id, seq);
  else if (hash == '#/waiting') waiting.render({ seq });
  else if (hash == '#/settings') settings.render({ wipe, seq });
  else home.render({ seq });
}

function openNotice(id, seq) {
  const notice = repo.notice(id),
    // A child gone from the phone has no form to fix in: the list says so and offers the export. A refusal
    // the server kept the words of is mended by no edit: sent again, it would only be refused and kept twice.
    entity = notice?.kind == 'rejected' && repo.stillMine(notice) && !notice.reason?.includes(T.keptOnServer)
      && notice.entity;
  if (entity == 'activity') visitForm.render({ mode: 'fix', notice, seq });
  else if (entity == 'screening') screeningForm.render({ menteeId: notice.fields.mentee_id, notice, seq });
  else if (entity == 'mentee') guardianForm.render({ menteeId: notice.record_id, notice, seq });
  else go('#/waiting');
}

async function showStopped(stop) {
  stoppedPhone = stop;
  sync.stop();
  // Half-written forms count too: the export carries them, and the wipe would lose their words.
  const unsent = (await unsentKeys()).length;
  gate.stopped({ ...stop, unsent, exportNow: exportUnsent, wipe });
  unstop();
}

// An account restored (stopped by mistake) takes its phone back at an unlock or as the signal returns.
async function unstop() {
  const stop = stoppedPhone;
  if (!stop?.inactive) return;
  try { await phoneInfo(vault.currentSession().token); } catch { return; }
  if (stoppedPhone !== stop) return; // locked meanwhile
  await vault.updateSession({ cursor: null }); // the pull brings back the children it dropped
  await db.del('meta', 'stopped');
  stoppedPhone = null;
  enter();
}
addEventListener('online', unstop);

async function wipe() {
  sync.stop();
  idle.stop();
  vault.forget();
  repo.clear();
  await db.deleteDb();
  // Throws where the browser's storage is disabled: nothing there to clear.
  try { localStorage.clear(); sessionStorage.clear(); } catch {}
  location.replace(location.pathname);
}

countUnsent(repo.unsentCount, repo.conflictCount);

let refreshTimer = null;
repo.onChange(() => {
  recount();
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => route(true), 150);
});

sync.onSyncState(async ({ problem, message }) => {
  if (!['revoked', 'reenrol', 'inactive'].includes(problem) || stoppedPhone || !vault.isUnlocked()) return;
  // The server's copies go at once; what was never sent stays until exported. A stopped account
  // is no longer someone the children's files may be shown to, whatever the phone: as a revoked one.
  const stop = { key: 'stopped', revoked: problem == 'revoked', inactive: problem == 'inactive', reason: message };
  await db.put('meta', stop);
  await repo.dropServerCopies();
  showStopped(stop);
});

// The hash stays: after the PIN the form she was writing opens again with her words (from the disk, or
// from memory when the full phone refused them). She finds the page as she put the phone down, not a
// home screen she must read to find 有一条没写完的帮扶记录, and the reopened form says 已恢复.
vault.onLock(() => {
  nextRender(); // a screen still loading must not appear over the PIN screen
  sync.stop();
  idle.stop();
  repo.clear();
  forms.closed();
  stoppedPhone = null;
  if (standing) standing();
  // The new version opens at the PIN screen; not while words the phone refused live in this page only.
  else if (updates.updateReady() && !drafts.unwritten()) location.reload();
  else showUnlock();
});

// Locking first writes the drafts and hides the children's data; then `screen` stands where the PIN would.
async function standDown(name, screen) {
  if (gateShown == 'outdated') return; // its database closed, this tab can only be reloaded
  gateShown = name;
  standing = screen;
  if (vault.isUnlocked()) await vault.lock();
  else {
    nextRender();
    sync.stop();
    idle.stop();
    screen();
  }
}

db.watch(async what => {
  if (what == 'blocked') gate.standBy({ title: T.olderTab, say: T.olderTabSay });
  // Its records gone, the page must not go on as if saving: what memory still holds is offered for export.
  // Not reloaded by the worker's going (below): offline, that is the browser's error page.
  else if (what == 'cleared') idle.stop(), gateShown = what, showStopped({ reason: T.cleared });
  else await standDown('outdated', () => gate.standBy({ title: T.newerTab, say: T.newerTabSay, label: T.reopen,
    action: () => location.reload() }));
});

updates.onUpdate(() => {
  if (gateShown == 'unlock' && !drafts.unwritten()) location.reload();
});

// A double tap is one tap. Its second click (a click's `detail` counts the taps) lands on what the first opened:
// 记一次帮扶 tapped twice ticked 集体活动 on the new form, and 清空重填 twice threw the words away unasked.
addEventListener('click', e => e.detail > 1 && (e.preventDefault(), e.stopPropagation()), true);
addEventListener('hashchange', () => route());
// Most often the phone's storage, full or damaged: what to do first, then the browser's words for the station.
boot().catch(error => {
  console.error(error);
  Object.assign(document.getElementById('app'), { className: 'boot', textContent: T.openFailed + error?.message });
});
