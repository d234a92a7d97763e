// Boot: text size, the service worker, then enrol or unlock; once the key is open, load the
// records, route by the hash and start syncing. Locking drops the key and the plaintext.

import * as db from './db.js';
import { exportUnsent } from './export.js';
import * as forms from './forms.js';
import * as idle from './idle.js';
import * as prefs from './prefs.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as sync from './sync.js';
import * as updates from './updates.js';
import * as vault from './vault.js';
import * as activity from './ui/activity.js';
import * as gate from './ui/gate.js';
import * as guardianForm from './ui/guardian-form.js';
import * as home from './ui/home.js';
import * as mentee from './ui/mentee.js';
import { countUnsent, nextRender } from './ui/dom.js';
import { go, setRenderer } from './ui/nav.js';
import * as screeningForm from './ui/screening-form.js';
import * as settings from './ui/settings.js';
import * as visitForm from './ui/visit-form.js';
import * as waiting from './ui/waiting.js';

let gateShown = null; // which pre-app screen is up ('unlock', …), or null once the app is open
let stoppedPhone = false;

async function boot() {
  await prefs.load();
  updates.register().catch((error) => console.error('service worker', error));
  const params = new URLSearchParams(location.search);
  if (/MicroMessenger/i.test(navigator.userAgent) && !sessionStorage.getItem('banxing-wechat-ok')) {
    gateShown = 'wechat';
    gate.wechat(() => { sessionStorage.setItem('banxing-wechat-ok', '1'); start(params); });
  } else {
    await start(params);
  }
}

async function start(params) {
  if (await vault.device()) {
    showUnlock();
  } else {
    gateShown = 'enrol';
    gate.enrol({ code: params.get('code') || '', done: () => opened({ enrolled: true }) });
  }
}

function showUnlock() {
  gateShown = 'unlock';
  repo.prefetch();
  const forgot = () => {
    gateShown = 'forgot';
    gate.forgotPin({ done: () => opened({}), back: showUnlock });
  };
  gate.unlock({ done: () => opened({}), forgot });
}

async function opened({ enrolled = false }) {
  gateShown = null;
  await repo.load();
  idle.start(() => vault.lock());
  if (enrolled && navigator.storage && navigator.storage.persist) {
    // Ask the browser not to evict this site's storage under pressure (the records live here).
    navigator.storage.persist().catch(() => false);
  }
  const stop = await db.get('meta', 'stopped');
  if (stop) { showStopped(stop); return; }
  setRenderer(() => route({ refresh: true }));
  route({});
  sync.start();
}

function route({ refresh = false } = {}) {
  if (!vault.isUnlocked() || gateShown || stoppedPhone) return;
  if (refresh && forms.isOpen()) return; // never redraw a form under the volunteer's fingers
  forms.closed();
  const seq = nextRender();
  const hash = location.hash || '#/';
  let m;
  if ((m = hash.match(/^#\/mentee\/([\w-]+)$/))) mentee.render({ menteeId: m[1], seq });
  else if ((m = hash.match(/^#\/log(?:\/([\w-]+))?$/))) visitForm.render({ mode: 'new', menteeId: m[1] || null, seq });
  else if ((m = hash.match(/^#\/activity\/([\w-]+)\/edit$/))) {
    const record = repo.get(m[1]);
    if (record) visitForm.render({ mode: 'edit', activity: record, seq }); else go('#/');
  } else if ((m = hash.match(/^#\/activity\/([\w-]+)$/))) activity.render({ activityId: m[1], seq });
  else if ((m = hash.match(/^#\/screening\/([\w-]+)$/))) screeningForm.render({ menteeId: m[1], seq });
  else if ((m = hash.match(/^#\/guardian\/([\w-]+)$/))) guardianForm.render({ menteeId: m[1], seq });
  else if ((m = hash.match(/^#\/notice\/([\w-]+)$/))) openNotice(m[1], seq);
  else if (hash === '#/waiting') waiting.render({ seq });
  else if (hash === '#/settings') settings.render({ wipe, seq });
  else home.render({ seq });
}

function openNotice(id, seq) {
  const notice = repo.notice(id);
  if (!notice || notice.kind !== 'rejected') { go('#/waiting'); return; }
  if (notice.entity === 'activity') visitForm.render({ mode: 'fix', notice, seq });
  else if (notice.entity === 'screening') screeningForm.render({ menteeId: notice.fields.mentee_id, notice, seq });
  else if (notice.entity === 'mentee') guardianForm.render({ menteeId: notice.record_id, notice, seq });
  else go('#/waiting');
}

async function showStopped(stop) {
  stoppedPhone = true;
  sync.stop();
  gate.stopped({
    revoked: stop.revoked, reason: stop.reason, unsent: repo.unsentCount(), exportNow: exportUnsent, wipe,
  });
}

/** Remove every trace of the app's data from this browser and start again at enrolment. */
async function wipe() {
  sync.stop();
  idle.stop();
  vault.forget();
  repo.clear();
  await db.deleteDb();
  try { localStorage.clear(); sessionStorage.clear(); } catch { /* storage disabled */ }
  location.replace(location.pathname);
}

countUnsent(repo.unsentCount);

let refreshTimer = null;
repo.onChange(() => {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => route({ refresh: true }), 150);
});

sync.onSyncState(async (state) => {
  if (state.problem !== 'revoked' && state.problem !== 'reenrol') return;
  if (stoppedPhone || !vault.isUnlocked()) return;
  // The server's copies go at once; what was never sent stays (encrypted) until exported.
  const stop = { key: 'stopped', revoked: state.problem === 'revoked', reason: state.message };
  await db.put('meta', stop);
  await repo.dropServerCopies();
  showStopped(stop);
});

vault.onLock(() => {
  nextRender(); // a screen still loading must not appear over the PIN screen
  sync.stop();
  idle.stop();
  repo.clear();
  forms.closed();
  stoppedPhone = false;
  if (updates.updateReady()) location.reload(); // the new version opens at the PIN screen
  else showUnlock();
});

updates.onUpdate(() => {
  if (gateShown === 'unlock') location.reload();
});

window.addEventListener('hashchange', () => route({}));
boot().catch((error) => {
  console.error(error);
  document.getElementById('app').textContent = T.openFailed + (error && error.message);
});
