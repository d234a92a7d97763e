import * as repo from '/app/js/repo.js';
import * as sync from '/app/js/sync.js';
import { show } from '/app/js/ui/dom.js';
import { syncCard } from '/app/js/ui/sync-status.js';
import * as vault from '/app/js/vault.js';
import { assert, equal, test } from './harness.js';
import { activityFields, fresh } from './setup.js';

// A fake network in place of fetch(): the real server is exercised by tests/e2e/test_pwa_*.py.
function fakeServer({ maxBatch = 1000, renew = null, pages = null, offline = false } = {}) {
  const calls = [];
  const applied = [];
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  window.fetch = async (url, init = {}) => {
    const path = new URL(url, location.href).pathname + new URL(url, location.href).search;
    const call = { method: init.method || 'GET', path, auth: init.headers && init.headers.authorization,
      type: init.headers && init.headers['content-type'], body: init.body ? JSON.parse(init.body) : null };
    calls.push(call);
    if (offline) throw new TypeError('Failed to fetch');
    if (path.startsWith('/api/sync/push')) {
      const muts = call.body.mutations;
      if (muts.length > maxBatch) return reply(413, { ok: false, error: `一次最多同步 ${maxBatch} 条`, status: 413, code: 'batch_too_large' });
      applied.push(...muts.map((m) => m.mutation_id));
      return reply(200, { last_mutation_id: muts[muts.length - 1].mutation_id, ...(renew ? { token: renew } : {}),
        results: muts.map((m) => ({ mutation_id: m.mutation_id, status: 'applied', version: 1, reason: null })) });
    }
    if (path.startsWith('/api/sync/pull')) {
      const cursor = new URL(url, location.href).searchParams.get('cursor');
      if (pages && pages[cursor || '']) return pages[cursor || ''](reply);
      return reply(200, { changes: [], cursor: 'end', more: false, drop: [] });
    }
    if (path === '/api/device/recovery-key') return reply(200, { ok: true, stored_at: 'now' });
    if (path === '/api/device') {
      return reply(200, { device_id: 'd', user: { id: 'me', name: '王建国' }, unit: { name: '辅导站', phone: '0513-1' },
        recovery_key_stored: true, recovery_token: 'bxr1.fresh' });
    }
    return reply(404, { ok: false, error: '没有这个地址。', status: 404, code: 'http_404' });
  };
  return { calls, applied };
}

async function logActivities(n) {
  for (let i = 0; i < n; i += 1) {
    await repo.save('activity', crypto.randomUUID(), activityFields({ record: `第${i + 1}次` }));
  }
}

test('a 413 halves the batch until the server takes it; each entry is sent once, in order', async () => {
  await fresh();
  await logActivities(10);
  const net = fakeServer({ maxBatch: 3 });
  await sync.pushAll();
  equal(repo.pending(), []);
  equal(net.applied, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const sizes = net.calls.filter((c) => c.path === '/api/sync/push').map((c) => c.body.mutations.length);
  equal(sizes.slice(0, 2), [10, 5], 'the first try sends all, then halves');
  assert(sizes.every((s, i) => i < 2 || s <= 3), String(sizes));
});

test('a change too large even alone becomes a rejected notice instead of blocking the queue', async () => {
  await fresh();
  await logActivities(1);
  fakeServer({ maxBatch: 0 });
  await sync.pushAll();
  equal(repo.pending(), []);
  equal(repo.noticeList().map((n) => n.kind), ['rejected']);
});

test('push requests are JSON with the stored token, and a renewed token replaces it', async () => {
  await fresh();
  await logActivities(2);
  const net = fakeServer({ renew: 'bxd1.renewed' });
  await sync.syncNow('test');
  const push = net.calls.find((c) => c.path === '/api/sync/push');
  equal([push.type, push.auth], ['application/json', 'Bearer bxd1.first-token']);
  equal(vault.currentSession().token, 'bxd1.renewed');
  await logActivities(1);
  await sync.syncNow('test');
  equal(net.calls.filter((c) => c.path === '/api/sync/push').pop().auth, 'Bearer bxd1.renewed');
});

test('the recovery key is uploaded once after enrolment, then forgotten by the phone', async () => {
  await fresh();
  const key = vault.currentSession().pendingRecoveryKey;
  const net = fakeServer();
  await sync.syncNow('test');
  await sync.syncNow('test');
  const uploads = net.calls.filter((c) => c.path === '/api/device/recovery-key');
  equal(uploads.map((c) => [c.method, c.body.recovery_key]), [['PUT', key]]);
  equal(vault.currentSession().pendingRecoveryKey, null);
  equal(vault.currentSession().unit.phone, '0513-1');
  equal((await vault.device()).recoveryToken, 'bxr1.fresh');
  equal((await vault.device()).stationPhone, '0513-1', 'kept in the clear for the forgot-PIN screen');
});

test('a pull follows the pages and keeps the cursor of each', async () => {
  await fresh();
  const change = (id) => ({ entity: 'mentee', record_id: id, version: 1, deleted: false, fields: { code: id } });
  fakeServer({ pages: {
    '': (reply) => reply(200, { changes: [change('m1')], cursor: 'p1', more: true, drop: [] }),
    p1: (reply) => reply(200, { changes: [change('m2')], cursor: 'p2', more: false, drop: [] }),
  } });
  await sync.pullAll();
  equal([repo.get('m1').fields.code, repo.get('m2').fields.code, vault.currentSession().cursor], ['m1', 'm2', 'p2']);
});

test('a cursor the server cannot read starts the pull again from the beginning', async () => {
  await vault.updateSession({ cursor: 'stale' });
  const net = fakeServer({ pages: {
    stale: (reply) => reply(400, { ok: false, error: '同步位置无效', status: 400, code: 'cursor_invalid' }),
    '': (reply) => reply(200, { changes: [], cursor: 'p9', more: false, drop: [] }),
  } });
  await sync.pullAll();
  equal(vault.currentSession().cursor, 'p9');
  equal(net.calls.map((c) => c.path.includes('cursor=')), [true, false]);
  equal([repo.get('m1'), repo.get('m2')], [undefined, undefined], 'a fresh full pull reconciles');
});

// A county whose server was restored from an older copy: the phone synced visit A at version 2
// and visit B before the restore; the restored server holds A at version 1 and no B.
const visit = (id, version, extra) =>
  ({ entity: 'activity', record_id: id, version, deleted: false, fields: activityFields(extra) });
const page = (changes, cursor, history) => (reply) => reply(200, { changes, cursor, more: false, drop: [], history });
const BEFORE = [visit('a', 2, { record: '第二次改过的记录' }), visit('b', 1, { record: '恢复点之后记的' })];
const RESTORED = [visit('a', 1, { record: '第一次的记录' })];
const pushed = (net) => net.calls.filter((c) => c.path === '/api/sync/push').flatMap((c) => c.body.mutations)
  .map(({ record_id: id, base_version: base, fields }) => [id, base, fields.record, Object.keys(fields).length]);

test('after a restore the phone sends again what the server lost: a visit as new, an edit against the older copy', async () => {
  await fresh();
  fakeServer({ pages: { '': page(BEFORE, 'c2', 'h0') } });
  await sync.pullAll();
  equal([vault.currentSession().history, repo.pending()], ['h0', []], 'the first history is kept; nothing to send');
  const net = fakeServer({ pages: { c2: page([], 'c9', 'h7'), '': page(RESTORED, 'c9', 'h7') } });
  await sync.syncNow('test');
  equal(net.calls.filter((c) => c.path.startsWith('/api/sync/pull')).map((c) => c.path.includes('cursor=')), [true, false],
    'the page of the new history is not taken: the pull starts again from the beginning');
  equal(pushed(net), [['a', 1, '第二次改过的记录', 1], ['b', null, '恢复点之后记的', 9]]);
  equal([repo.get('a').fields.record, repo.get('b').fields.record], ['第二次改过的记录', '恢复点之后记的']);
  equal([repo.pending(), vault.currentSession().recovering, vault.currentSession().history], [[], false, 'h7']);
});

test('a cursor the server says is past its end starts the same recovery', async () => {
  await fresh();
  fakeServer({ pages: { '': page(BEFORE, 'c2', 'h0') } });
  await sync.pullAll();
  const net = fakeServer({ pages: {
    c2: (reply) => reply(400, { ok: false, error: '同步游标来自别的服务器或数据库', status: 400, code: 'cursor_invalid', restored: true }),
    '': page(RESTORED, 'c1', 'h0'),
  } });
  await sync.syncNow('test');
  equal(pushed(net), [['a', 1, '第二次改过的记录', 1], ['b', null, '恢复点之后记的', 9]]);
});

test('a recovery cut off halfway starts again from the beginning, and a change already queued is not queued twice', async () => {
  await fresh();
  fakeServer({ pages: { '': page(BEFORE, 'c2', 'h0') } });
  await sync.pullAll();
  fakeServer({ pages: { c2: page([], 'c9', 'h7'), '': (reply) => reply(200, {
    changes: RESTORED, cursor: 'c1', more: true, drop: [], history: 'h7' }),
  c1: (reply) => reply(503, { ok: false, error: '服务器暂时出错', status: 503, code: 'unavailable' }) } });
  await sync.pullAll().catch(() => {});  // the second page never comes
  equal([vault.currentSession().recovering, repo.pending().map((e) => e.record_id)], [true, ['a']]);
  const net = fakeServer({ pages: { c1: page([], 'c9', 'h7'), '': page(RESTORED, 'c9', 'h7') } });
  await sync.syncNow('test');
  equal(net.calls.filter((c) => c.path.startsWith('/api/sync/pull')).map((c) => c.path.includes('cursor=')), [false]);
  equal(pushed(net), [['a', 1, '第二次改过的记录', 1], ['b', null, '恢复点之后记的', 9]]);
});

test('without a restore, a record the server no longer sends leaves the phone and nothing is sent', async () => {
  await fresh();
  fakeServer({ pages: { '': page(BEFORE, 'c2', 'h0') } });
  await sync.pullAll();
  await vault.updateSession({ cursor: 'stale' });
  const net = fakeServer({ pages: {
    stale: (reply) => reply(400, { ok: false, error: '您的管理范围有调整', status: 400, code: 'cursor_invalid' }),
    '': page(RESTORED, 'c9', 'h0'),
  } });
  await sync.syncNow('test');
  equal([pushed(net), repo.get('b'), repo.get('a').fields.record], [[], undefined, '第一次的记录']);
});

test('an app version that keeps other entities than the last pulls again from the start', async () => {
  await fresh();
  fakeServer({ pages: { '': page(BEFORE, 'c2', 'h0') } });
  await sync.pullAll();
  let net = fakeServer({ pages: { c2: page([], 'c3', 'h0') } });
  await sync.pullAll();
  equal(net.calls.map((c) => c.path.includes('cursor=c2')), [true], 'the same version goes on from its cursor');
  await vault.updateSession({ entities: 'mentee pairing activity' }); // as the version before screenings wrote it
  net = fakeServer({ pages: { '': page(BEFORE, 'c4', 'h0') } });
  await sync.pullAll();
  equal([net.calls.map((c) => c.path.includes('cursor=')), vault.currentSession().cursor], [[false], 'c4']);
  equal(vault.currentSession().entities, 'mentee pairing activity screening');
});

// The browser's own word on whether the phone has a network (navigator.onLine), for one test.
async function withOnLine(online, fn) {
  Object.defineProperty(navigator, 'onLine', { get: () => online, configurable: true });
  try { await fn(); } finally { delete navigator.onLine; }
}

test('without a network the outbox stays as it was and the state says offline', async () => {
  await fresh();
  await logActivities(2);
  fakeServer({ offline: true });
  await withOnLine(false, () => sync.syncNow('test'));
  equal(repo.pending().length, 2);
  equal(sync.syncState().problem, 'offline');
  equal(vault.currentSession().lastError, '没有网络');
});

test('with a network but no answer from the server, the phone says the server, not the network', async () => {
  await fresh();
  await logActivities(1);
  fakeServer({ offline: true });  // the request fails while the browser says it is online
  await withOnLine(true, () => sync.syncNow('test'));
  equal(repo.pending().length, 1);
  equal(sync.syncState().problem, 'server');
  equal(vault.currentSession().lastError, '服务器暂时出错');
});

const saveOne = (record) => repo.save('activity', crypto.randomUUID(), activityFields({ record }));

test('a saved change is delivered when the server takes it, even behind a sync already running', async () => {
  await fresh();
  const net = fakeServer();
  const running = sync.syncNow('test');  // began before the save: may end without it
  const id = await saveOne('刚保存的一条');
  equal(await sync.deliver([id]), 'sent');
  await running;
  equal(repo.pending(), []);
  equal(net.applied.filter((m) => m === id).length, 1, 'sent once');
  equal(await sync.deliver([]), false, 'nothing queued is nothing to report');
});

test('a change saved offline is reported when a later sync sends it, and a refused one as refused', async () => {
  await fresh();
  const id = await saveOne('没有网络时保存的');
  fakeServer({ offline: true });
  let got = null;
  await withOnLine(false, async () => { sync.deliver([id]).then((kind) => { got = kind; }); });
  await withOnLine(true, () => sync.syncNow('test'));  // the signal came back, but not the server
  equal([got, repo.pending().length], [null, 1], 'still on the phone: nothing to report yet');
  fakeServer({ maxBatch: 0 });  // too large even alone: refused, kept as a notice
  await sync.syncNow('online');
  await new Promise((ok) => setTimeout(ok, 0));
  equal(got, 'rejected', 'sent, and the notice it came back as is named');
  equal(repo.rejectedCount(), 1);
});

test('a revoked phone is reported as revoked', async () => {
  window.fetch = async () => new Response(JSON.stringify({ ok: false, error: '这台手机已被停用：手机已挂失。', status: 401,
    code: 'device_revoked' }), { status: 401, headers: { 'content-type': 'application/json' } });
  await sync.syncNow('test');
  equal(sync.syncState().problem, 'revoked');
  assert(sync.syncState().message.includes('手机已挂失'));
});

test('the sync card names the day of the last sync, not only its hour', async () => {
  // "上次同步 01:30" after three days in a dead zone read as "synced last night": the day is said,
  // and it is Beijing's (17:30 UTC on the 29th is 01:30 on the 30th there).
  await fresh();
  await vault.updateSession({ lastSyncAt: '2026-11-29T17:30:00.000Z' });
  const last = syncCard().querySelector('.last').textContent;
  assert(last.startsWith('上次同步 ') && last.endsWith('11月30日 01:30'), last);
});

test('a card that hears each sync is told when one starts as well as when it ends; the 待同步 list only at its end', async () => {
  // The home before the first sync ends: a sync that starts after one failed fetches the children, and the
  // home must stop telling her to go online. The 待同步 list is not redrawn as a sync starts.
  await fresh();
  fakeServer();
  const heard = { each: [], end: [] };
  syncCard(() => heard.end.push(sync.syncState().running));
  syncCard(() => heard.each.push(sync.syncState().running), 1);
  await Promise.resolve(); // the cards listen from the next microtask
  await sync.syncNow('test');
  show([]); // and no more
  equal(heard, { each: [true, false], end: [false] });
});
