import * as drafts from '/app/js/drafts.js';
import * as vault from '/app/js/vault.js';
import { assert, equal, test } from './harness.js';
import { fresh, rawDump } from './setup.js';

test('a draft survives locking and unlocking', async () => {
  await fresh('1234');
  drafts.saveDraft('activity:new', { record: '写到一半的记录', moods: ['平静'] });
  await vault.lock(); // flushes before the key goes
  await vault.unlock('1234');
  equal((await drafts.loadDraft('activity:new')).values, { record: '写到一半的记录', moods: ['平静'] });
});

test('typing fast, the latest values win', async () => {
  for (const text of ['和', '和孩', '和孩子', '和孩子聊天']) drafts.saveDraft('activity:new', { record: text });
  await drafts.flush();
  equal((await drafts.loadDraft('activity:new')).values.record, '和孩子聊天');
});

test('drafts are stored encrypted', async () => {
  await drafts.flush();
  assert(!(await rawDump()).includes('和孩子聊天'));
});

test('clearing a draft removes it, even with a save still waiting', async () => {
  drafts.saveDraft('activity:new', { record: '还在写' });
  await drafts.clearDraft('activity:new');
  equal(await drafts.loadDraft('activity:new'), null);
  equal((await drafts.allDrafts()).map((d) => d.id), []);
});

test('a form back to the values it opened with keeps no draft', async () => {
  const blank = { kind: 'home_visit', record: '', risk_flag: false, moods: [] };
  drafts.saveDraft('activity:new', { ...blank, risk_flag: true }, {}, blank);
  await drafts.flush();
  equal((await drafts.loadDraft('activity:new')).values.risk_flag, true, 'ticked: kept');
  drafts.saveDraft('activity:new', { ...blank }, {}, blank);
  await drafts.flush();
  equal(await drafts.loadDraft('activity:new'), null, 'unticked again: gone');
  equal((await drafts.allDrafts()).map((d) => d.id), []);
  drafts.saveDraft('activity:new', { ...blank, moods: ['平静'] }, {}, blank);
  equal((await drafts.loadDraft('activity:new')).values.moods, ['平静'], 'any other change is kept');
  await drafts.clearDraft('activity:new');
});

test('a draft the full phone refuses says so and is written at the next try', async () => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function full() { throw new DOMException('quota', 'QuotaExceededError'); };
  try {
    equal(await drafts.saveDraft('activity:new', { record: '存不进去的字' }), false, 'the form is told');
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  equal(await drafts.flush(), true, 'space again: the next flush writes it');
  equal((await drafts.loadDraft('activity:new')).values.record, '存不进去的字');
  await drafts.clearDraft('activity:new');
});

test('a draft brings back what the volunteer changed; untouched fields take the form as it opens now', async () => {
  const blank = { date: '2026-12-01', place: '家中', record: '' };
  drafts.saveDraft('activity:x', { ...blank, record: '还没写完' }, {}, blank);
  const draft = await drafts.loadDraft('activity:x');
  equal(drafts.changedValues(draft), { record: '还没写完' });
  equal(drafts.changedValues({ values: { date: '2026-12-01' } }), { date: '2026-12-01' }, "an older app's draft");
  await drafts.clearDraft('activity:x');
});

test('a draft the full phone refused before a lock comes back after the PIN, the phone still full', async () => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function full() { throw new DOMException('quota', 'QuotaExceededError'); };
  try {
    equal(await drafts.saveDraft('activity:new', { record: '锁屏前存不进去的字' }), false);
    await vault.lock();
    assert(drafts.unwritten(), 'kept in memory, sealed, while locked');
    equal((await vault.unlock('1234')).ok, true, 'the right PIN opens a full phone');
    const draft = await drafts.loadDraft('activity:new');
    equal([draft.values.record, draft.unsaved], ['锁屏前存不进去的字', true]);
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  equal(await drafts.flush(), true, 'space again: written');
  equal(drafts.unwritten(), false);
  const draft = await drafts.loadDraft('activity:new');
  equal([draft.values.record, draft.unsaved], ['锁屏前存不进去的字', undefined]);
  await drafts.clearDraft('activity:new');
});
