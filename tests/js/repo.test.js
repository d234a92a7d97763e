import * as repo from '/app/js/repo.js';
import * as vault from '/app/js/vault.js';
import { assert, equal, test } from './harness.js';
import { activityFields, fresh, rawDump } from './setup.js';

const ID = '0190f3a2-7c4e-7d21-9a53-3b6c2f1e8a01';

async function reopen() {
  repo.clear();
  await repo.load();
}

test('a new activity is one record and one outbox entry, numbered 1 then 2', async () => {
  await fresh();
  equal(await repo.save('activity', ID, activityFields(), { local: { mentee_id: 'm1' } }), 1);
  equal(await repo.save('activity', ID, { ...activityFields(), record: '改过的记录' }), 2);
  const entries = repo.pending();
  equal(entries.map((e) => [e.mutation_id, e.base_version, e.record_id]), [[1, null, ID], [2, null, ID]]);
  equal(entries[0].fields.record, '和孩子聊了学校的事');
  equal(Object.keys(entries[1].fields), ['record'], 'only the changed field is sent');
  equal(repo.get(ID).fields.mentee_id, 'm1');
  assert(!('mentee_id' in entries[0].fields), 'a server-set field was sent');
});

test('the mutation counter survives reopening and never reuses an id', async () => {
  await reopen();
  equal(repo.pending().length, 2);
  equal(await repo.save('activity', ID, { ...activityFields(), record: '第三次修改' }), 3);
});

test('nothing in IndexedDB holds the text, the token or a name in the clear', async () => {
  await repo.save('mentee', 'm9', { guardian_name: '张桂兰' });
  const dump = await rawDump();
  for (const secret of ['和孩子聊了', '改过的记录', '第三次修改', 'first-token', '王建国', '张桂兰', '带上作业本']) {
    assert(!dump.includes(secret), `${secret} is stored in the clear`);
  }
});

test('an applied answer removes the entry and records the server version', async () => {
  await fresh();
  await repo.save('activity', ID, activityFields());
  const sent = repo.pending();
  await repo.settle(sent, { last_mutation_id: 1, results: [{ mutation_id: 1, status: 'applied', version: 1 }] });
  equal(repo.pending(), []);
  equal(repo.get(ID).version, 1);
  await reopen();
  equal([repo.pending().length, repo.get(ID).version], [0, 1]);
});

test('an edit sends only the changed fields, based on the server version', async () => {
  await repo.save('activity', ID, { ...activityFields(), place: '家中' });
  const [entry] = repo.pending();
  equal([entry.base_version, entry.fields], [1, { place: '家中' }]);
  equal(await repo.save('activity', ID, { ...activityFields(), place: '家中' }), null, 'no change, no mutation');
});

test('entries without an answer stay in the outbox', async () => {
  const sent = repo.pending();
  equal(await repo.settle(sent, { last_mutation_id: 0, results: [] }), 0);
  equal(repo.pending().length, 1);
});

test('a conflict keeps the server value on screen and a notice shows both texts', async () => {
  await fresh();
  await repo.applyPage({ changes: [{ entity: 'activity', record_id: ID, version: 2, deleted: false,
    fields: activityFields({ follow_up_due: '2026-11-30' }) }], drop: [] }, { cursor: 'c1' });
  await repo.save('activity', ID, { ...activityFields({ follow_up_due: '2026-12-01' }), place: '学校' });
  const sent = repo.pending();
  await repo.settle(sent, { last_mutation_id: 1, results: [{
    mutation_id: 1, status: 'conflict', version: 3, reason: '“下次跟踪日期”已被别人先改过',
    conflicts: [{ field: 'follow_up_due', kept: '2026-11-30', yours: '2026-12-01', conflict_id: 'x' }],
    fields: { follow_up_due: '2026-11-30' } }] });
  const record = repo.get(ID);
  equal([record.version, record.fields.follow_up_due, record.fields.place], [3, '2026-11-30', '学校']);
  const [notice] = repo.noticeList();
  equal([notice.kind, notice.conflicts[0].kept, notice.conflicts[0].yours], ['conflict', '2026-11-30', '2026-12-01']);
  equal(repo.unsentCount(), 0, 'a conflict was delivered: nothing left to send');
});

test('a rejected create leaves the records and waits in a notice with its text', async () => {
  await fresh();
  await repo.save('activity', ID, activityFields({ kind: 'visit' }));
  await repo.settle(repo.pending(), { last_mutation_id: 1, results: [
    { mutation_id: 1, status: 'rejected', version: null, reason: '字段“帮扶方式”(kind)应为以下之一' }] });
  equal(repo.get(ID), undefined);
  const [notice] = repo.noticeList();
  equal([notice.kind, notice.fields.kind, notice.fields.record, notice.reason],
    ['rejected', 'visit', '和孩子聊了学校的事', '字段“帮扶方式”应为以下之一']);
  equal(repo.unsentCount(), 1, 'a rejected change is still unsent');
});

test('fixing a rejected change queues it again as a new mutation', async () => {
  const [notice] = repo.noticeList();
  const id = await repo.save('activity', ID, { ...notice.fields, kind: 'home_visit' }, { removeNotice: notice.id });
  equal(id, 2);
  equal(repo.noticeList(), []);
  const [entry] = repo.pending();
  equal([entry.base_version, entry.fields.kind, entry.fields.record], [null, 'home_visit', '和孩子聊了学校的事']);
});

test('a rejected edit shows the server values again', async () => {
  await fresh();
  await repo.applyPage({ changes: [{ entity: 'activity', record_id: ID, version: 4, deleted: false,
    fields: activityFields({ place: '学校' }) }], drop: [] }, { cursor: 'c1' });
  await repo.save('activity', ID, { ...activityFields(), place: 'X'.repeat(300) });
  await repo.settle(repo.pending(), { last_mutation_id: 1, results: [
    { mutation_id: 1, status: 'rejected', version: 4, reason: '地点太长' }] });
  equal(repo.get(ID).fields.place, '学校');
  equal(repo.noticeList()[0].fields.place.length, 300);
});

test('a pull keeps an unacknowledged local value and takes the other fields', async () => {
  await fresh();
  await repo.applyPage({ changes: [{ entity: 'activity', record_id: ID, version: 1, deleted: false,
    fields: activityFields() }], drop: [] }, { cursor: 'c1' });
  await repo.save('activity', ID, { ...activityFields(), record: '我刚写的' });
  await repo.applyPage({ changes: [{ entity: 'activity', record_id: ID, version: 2, deleted: false,
    fields: activityFields({ record: '别人写的', review_status: 'returned', review_comment: '请补充' }) }], drop: [] },
  { cursor: 'c2' });
  const record = repo.get(ID);
  equal([record.version, record.fields.record, record.fields.review_comment], [2, '我刚写的', '请补充']);
  equal(vault.currentSession().cursor, 'c2');
});

test('a pull replaces a record without local changes; deleted and dropped records go', async () => {
  await fresh();
  const other = '0190f3a2-7c4e-7d21-9a53-3b6c2f1e8a02';
  await repo.applyPage({ changes: [
    { entity: 'activity', record_id: ID, version: 1, deleted: false, fields: activityFields() },
    { entity: 'activity', record_id: other, version: 1, deleted: false, fields: activityFields() },
    { entity: 'mentee', record_id: 'm1', version: 1, deleted: false, fields: { code: 'RD-001' } },
    { entity: 'unit', record_id: 'u1', version: 1, deleted: false, fields: { name: '不该存' } },
  ], drop: [] }, { cursor: 'c1' });
  equal(repo.get('u1'), undefined, 'only the four entities a phone uses are kept');
  await repo.applyPage({ changes: [
    { entity: 'activity', record_id: ID, version: 2, deleted: false, fields: activityFields({ place: '家中' }) },
    { entity: 'activity', record_id: other, version: 2, deleted: true, fields: activityFields() },
  ], drop: [{ entity: 'mentee', record_id: 'm1' }] }, { cursor: 'c2' });
  equal([repo.get(ID).fields.place, repo.get(other), repo.get('m1')], ['家中', undefined, undefined]);
  await reopen();
  equal([repo.get(ID).version, repo.get(other), repo.get('m1')], [2, undefined, undefined]);
});

test('after a pull from the start, records no longer sent go, unsent ones stay', async () => {
  await fresh();
  const gone = '0190f3a2-7c4e-7d21-9a53-3b6c2f1e8a03';
  await repo.applyPage({ changes: [
    { entity: 'activity', record_id: gone, version: 1, deleted: false, fields: activityFields() }], drop: [] },
  { cursor: 'c1' });
  await repo.save('activity', ID, activityFields());
  await repo.reconcile(new Set());
  equal([repo.get(gone), Boolean(repo.get(ID))], [undefined, true]);
});

test('a record a pull from the start no longer sends, its change waiting, leaves with that change\'s answer', async () => {
  await fresh();
  await repo.applyPage({ changes: [
    { entity: 'mentee', record_id: 'm4', version: 1, deleted: false, fields: { code: 'RD-004', name: '赵小河' } }],
  drop: [] }, { cursor: 'c1' });
  await repo.save('mentee', 'm4', { guardian_contact: '13911112222' });
  await repo.reconcile(new Set());
  equal(repo.get('m4').fields.guardian_contact, '13911112222', 'kept until its answer');
  const [entry] = repo.pending();
  await repo.settle([entry], { results: [
    { mutation_id: entry.mutation_id, status: 'rejected', version: null, reason: '找不到这个帮扶对象。' }] });
  await reopen();
  equal(repo.get('m4'), undefined, 'gone with the answer: no later pull would take it off this phone');
  const [notice] = repo.rejected();
  equal([repo.stillMine(notice), notice.child.code], [false, 'RD-004']);
});

test('a dropped record with an unsent change stays until its answer; the refusal names its child', async () => {
  await fresh();
  await repo.applyPage({ changes: [
    { entity: 'mentee', record_id: 'm1', version: 1, deleted: false, fields: { code: 'RD-001', name: '王小雨' } },
    { entity: 'pairing', record_id: 'p1', version: 1, deleted: false, fields: { mentee_id: 'm1' } },
    { entity: 'activity', record_id: ID, version: 1, deleted: false, fields: activityFields() },
  ], drop: [] }, { cursor: 'c1' });
  await repo.save('activity', ID, { ...activityFields(), record: '搬家前最后一次家访' });
  await repo.applyPage({ changes: [], drop: [{ entity: 'activity', record_id: ID }] }, { cursor: 'c2' });
  equal(repo.get(ID).fields.record, '搬家前最后一次家访', 'the unsent words went with the drop');
  const [entry] = repo.pending();
  await repo.settle([entry], { results: [{ mutation_id: entry.mutation_id, status: 'rejected', version: null,
    reason: '找不到结对（0190f3a2-7c4e-7d21-9a53-3b6c2f1e8a09）：不在您的管理范围内。' }] });
  await repo.applyPage({ changes: [], drop: [{ entity: 'activity', record_id: ID },
    { entity: 'pairing', record_id: 'p1' }, { entity: 'mentee', record_id: 'm1' }] }, { cursor: 'c3' });
  await reopen();
  const [notice] = repo.rejected();
  equal([notice.fields.record, notice.child.code, notice.child.name], ['搬家前最后一次家访', 'RD-001', '王小雨']);
  equal(notice.reason, '找不到结对：不在您的管理范围内。', 'a record id reads as noise to a volunteer');
  equal([repo.stillMine(notice), repo.noticeChild(notice).fields.code], [false, 'RD-001']);
});

test('a record dropped while its change waits leaves with the answer, as the pull never drops it again', async () => {
  await fresh();
  const child = { code: 'RD-002', name: '李小山', guardian_contact: null };
  await repo.applyPage({ changes: [
    { entity: 'mentee', record_id: 'm2', version: 3, deleted: false, fields: child },
    { entity: 'mentee', record_id: 'm3', version: 1, deleted: false, fields: { ...child, code: 'RD-003' } },
  ], drop: [] }, { cursor: 'c1' });
  await repo.save('mentee', 'm2', { guardian_contact: '13987654321' });
  await repo.save('mentee', 'm3', { guardian_contact: '13900000000' });
  await repo.applyPage({ changes: [], drop: [{ entity: 'mentee', record_id: 'm2' }, { entity: 'mentee', record_id: 'm3' }] },
    { cursor: 'c2' });
  equal(repo.get('m2').fields.guardian_contact, '13987654321', 'kept until its answer');
  // Paired again before the answer came: back in scope, it stays.
  await repo.applyPage({ changes: [{ entity: 'mentee', record_id: 'm3', version: 2, deleted: false,
    fields: { ...child, code: 'RD-003' } }], drop: [] }, { cursor: 'c3' });
  const [refused, taken] = repo.pending();
  await repo.settle([refused, taken], { results: [
    { mutation_id: refused.mutation_id, status: 'rejected', version: null, reason: '找不到这个帮扶对象。' },
    { mutation_id: taken.mutation_id, status: 'applied', version: 3 }] });
  await reopen();
  equal([repo.get('m2'), repo.get('m3')?.fields.guardian_contact], [undefined, '13900000000']);
  const [notice] = repo.rejected();
  equal([repo.stillMine(notice), notice.child.code, notice.fields.guardian_contact], [false, 'RD-002', '13987654321']);
});

// What Chromium does once a write the full disk refused has closed the database: every open fails until there is room.
async function withDatabaseShut(fn) {
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function shut() {
    throw new DOMException('Internal error opening backing store for indexedDB.open.', 'UnknownError');
  };
  try { return await fn(); } finally { IDBDatabase.prototype.transaction = transaction; }
}

test('a database the full disk keeps shut: a sync goes on with the outbox in memory, unless another tab wrote', async () => {
  await fresh();
  await reopen(); // as the app is after the PIN: read, and up to date
  await repo.save('activity', ID, activityFields());
  await withDatabaseShut(() => repo.catchUp());
  equal(repo.pending().map((e) => e.mutation_id), [1], 'sent as it is');

  // Another tab's commit, seen by this tab's next one: what this one holds may be out of date.
  const raw = await new Promise((resolve, reject) => {
    const request = indexedDB.open('banxing');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve) => {
    const t = raw.transaction('meta', 'readwrite');
    const store = t.objectStore('meta');
    store.get('generation').onsuccess = (e) => store.put({ key: 'generation', value: (e.target.result?.value || 0) + 5 });
    t.oncomplete = resolve;
  });
  raw.close();
  await repo.save('activity', ID, { ...activityFields(), record: '另一个页面之后改的' });
  let refused = null;
  await withDatabaseShut(() => repo.catchUp()).catch((error) => { refused = error.name; });
  equal(refused, 'UnknownError', 'not sent from a memory another tab may have outdated');
  await repo.catchUp();
  equal(repo.pending().map((e) => e.mutation_id), [1, 2], 'read again once the database opens');
});
