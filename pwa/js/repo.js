// Shapes: pwa/README.md. One transaction per change, answer or page.

import { req, tx } from './db.js';
import * as vault from './vault.js';

// What a mentor may send (docs/sync-protocol.md §10).
const SENDABLE = {
  activity: ['pairing_id', 'kind', 'date', 'duration_min', 'place', 'preparation', 'record', 'follow_up',
    'follow_up_due', 'moods', 'observations', 'tags', 'risk_flag'],
  screening: ['mentee_id', 'date', 'psych_problem', 'risk_level', 'intervention_success', 'needs', 'notes'],
  mentee: ['guardian_name', 'guardian_contact', 'notes'],
};
// A clause naming a wire field (；新建记录时 base_version 应为 null: an edit refused because the station
// moved the child away meanwhile) tells a volunteer nothing she can act on.
const FOR_PROGRAMMERS = /；[^；。]*_[^；。]*/g,
  RECORD_ID = /[（(][0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}[）)]/g;
// The entities this version of the app keeps; a pull passes over the others (sync.js: a version that keeps
// more pulls again from the start).
export const SYNCED = ['mentee', 'pairing', 'activity', 'screening'];
const STORES = ['meta', 'records', 'outbox', 'notices'];

export const isoNow = () => new Date().toISOString(),

  // A write the phone's storage refused. On a full disk Chromium says QuotaExceededError once, as the commit
  // fails; then it closes the database (a write caught as it closes: InvalidStateError), and opening it again
  // fails as an I/O error (UnknownError) until there is room.
  full = e => /^(Quota|Unknown|InvalidState)/.test(e?.name);

const records = new Map();
let outbox = [],
  notices = [];
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit() {
  for (const fn of listeners) fn();
}

// One change at a time: an answer being applied must not overwrite an edit saved meanwhile.
let queue = Promise.resolve();
function exclusive(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

const same = (a, b) => JSON.stringify(a ?? null) == JSON.stringify(b ?? null),
  clone = structuredClone; // undefined too: a field the record lacks
const fieldsOf = entries => new Set(entries.flatMap(e => Object.keys(e.fields || {}))),
  unsealAll = rows => Promise.all(rows.map(vault.unseal));

let prefetched = null;

const LISTS = STORES.slice(1); // records, outbox, notices
const readRows = () => tx(STORES, 'readonly', s =>
  Promise.all([...LISTS.map(n => req(s[n].getAll())), req(s.meta.get('generation'))]));

// Another tab of this phone (the installed app and a browser tab, say) may have saved or synced
// since this one loaded. Every commit bumps a number kept beside the data, and a sync first
// catches up (`catchUp`): otherwise this tab would push without the other's changes, the server
// would then take a higher change number first, and refuse the lower one as already used.
let generation = 0,
  stale = false;
const readGeneration = s => req(s.meta.get('generation')).then(row => row?.value || 0);

export function prefetch() {
  prefetched = readRows();
  prefetched.catch(() => { prefetched = null; });
}

export async function load() {
  const reading = prefetched || readRows();
  prefetched = null;
  const [rows, entries, kept, stamp] = await reading;
  generation = stamp?.value || 0;
  stale = false;
  const [plainRecords, plainEntries, plainNotices] = await Promise.all([
    unsealAll(rows),
    Promise.all(entries.map(async row => ({ mutation_id: row.mutation_id, ...(await vault.unseal(row)) }))),
    unsealAll(kept),
  ]);
  records.clear();
  for (const record of plainRecords) records.set(record.id, record);
  outbox = plainEntries.sort((a, b) => a.mutation_id - b.mutation_id);
  notices = plainNotices.sort((a, b) => (a.at < b.at ? -1 : 1));
  emit();
}

export function clear() {
  records.clear();
  outbox = [];
  notices = [];
}

export const get = id => records.get(id),
  menteeOf = (fields = {}) =>
    records.get(fields.mentee_id || records.get(fields.pairing_id)?.fields.mentee_id),
  menteeFor = (entity, id, fields) =>
    (entity == 'mentee' ? records.get(id) : menteeOf({ ...records.get(id)?.fields, ...fields })),
  list = entity => [...records.values()].filter(r => r.entity === entity && !r.deleted),
    pending = () => outbox.slice(),
    pendingFor = id => outbox.filter(e => e.record_id === id),
    noticeList = () => notices.slice(),
    notice = id => notices.find(n => n.id === id),
    rejected = () => notices.filter(n => n.kind == 'rejected'),
    rejectedCount = () => rejected().length;

  // Who a notice is about, kept in the notice when it is made: the pull that follows a refusal may
  // take the child off the phone (a pairing ended), and the list and the export must still say who.
  // Only a child the phone holds has a code: a guardian form saved after a sync took its child off the phone
  // made a record of the new words alone, and the waiting list named that child "undefined".
function childOf(entity, id, fields) {
  const mentee = menteeFor(entity, id, fields);
  return mentee?.fields.code ? { id: mentee.id, code: mentee.fields.code, name: mentee.fields.name || null } : null;
}
export const noticeChild = n => menteeFor(n.entity, n.record_id, n.fields) || (n.child && { fields: n.child });

// Whether the record a refused change belongs to is still this volunteer's: a visit about a child
// whose pairing ended can be fixed nowhere on the phone, only exported for the station.
export function stillMine(n) {
  if (n.entity == 'mentee') return records.has(n.record_id);
  const owner = n.entity == 'screening' ? 'mentee_id' : 'pairing_id';
  return records.has(n.fields[owner] || records.get(n.record_id)?.fields[owner]);
}
export const unsentCount = () => outbox.length + rejectedCount(),
  // A conflict was synced (the server kept the other change), but the volunteer's words wait in
  // a notice on the 待同步 screen: counted apart, so "all synced" never hides it.
  conflicts = () => notices.filter(n => n.kind == 'conflict'),
  conflictCount = () => conflicts().length,

  // `local`: display-only fields of a new record (the mentee_id the server derives). `since`: the
  // version an edit's draft began from; older than the copy's (the station changed the record while
  // the draft waited), it is the base the change is sent against, so the server merges it field by
  // field and parks a clash with the station's change instead of overwriting it. `draft`: the form's draft,
  // deleted in the same transaction: a tab killed between the two (a call coming in as she taps 保存) kept
  // the draft of a visit already saved, and 继续填写 then saved it a second time.
  save = (entity, id, values, options = {}) => exclusive(() => {
    const { local = {}, mark = {}, removeNotice = null, since = null, draft } = options,
      before = records.get(id),
      changed = {};
    for (const name of SENDABLE[entity]) {
      if (name in values && (!before || !same(values[name], before.fields[name]))) changed[name] = clone(values[name]);
    }
    const send = !before || Object.keys(changed).length;
    if (!send && !removeNotice) return null;
    const now = isoNow(),
      record = before
        ? { ...before, fields: { ...before.fields, ...changed }, ...mark }
        : { id, entity, version: null, deleted: false, fields: { ...local, ...changed }, createdAt: now, ...mark };
    if (before && !record.shadow && before.version !== null) record.shadow = { fields: clone(before.fields) };
    const entries = send ? [upsert(entity, id, baseVersion(before, since), changed, now)] : [];
    return commit({
      touched: new Map([[id, record]]), removeNotices: removeNotice ? [removeNotice] : [], entries, draft });
  });

// An outbox entry as it is kept (sync.js sends its wire members).
const upsert = (entity, id, base, fields, now) =>
  ({ entity, record_id: id, op: 'upsert', base_version: base, fields, created_at: now }),

  baseVersion = (before, since) => {
    if (!before || before.version === null) return null;
    return since !== null && since < before.version ? since : before.version;
  };

async function commit({ touched = new Map(), addNotices = [], removeEntries = [], removeNotices = [],
  sessionPatch = null, entries = [], draft }) {
  const sealRow = async (key, value) => ({ ...key, ...(await vault.seal(value)) }),
    [rows, sealedNotices, sealedEntries, session] = await Promise.all([
      Promise.all([...touched].map(([id, record]) => record ? sealRow({ id, e: record.entity }, record) : { id })),
      Promise.all(addNotices.map(n => sealRow({ id: n.id }, n))),
      Promise.all(entries.map(vault.seal)),
      sessionPatch && vault.sealSession(sessionPatch),
    ]),
    [firstId, stamp] = await tx([...STORES, 'drafts'], 'readwrite', async s => {
      const before = await readGeneration(s);
      if (before !== generation) stale = true; // another tab wrote: catchUp reloads
      s.meta.put({ key: 'generation', value: before + 1 });
      for (const row of rows) {
        if (row.e) s.records.put(row); else s.records.delete(row.id);
      }
      for (const id of removeEntries) s.outbox.delete(id);
      for (const id of removeNotices) s.notices.delete(id);
      if (draft) s.drafts.delete(draft);
      for (const row of sealedNotices) s.notices.put(row);
      if (session) s.meta.put(session.row);
      if (!entries.length) return [null, before + 1];
      const first = ((await req(s.meta.get('counter')))?.value || 0) + 1;
      s.meta.put({ key: 'counter', value: first + entries.length - 1 });
      sealedEntries.forEach((sealed, i) => s.outbox.put({ mutation_id: first + i, ...sealed }));
      return [first, before + 1];
    });
  generation = stamp;
  for (const [id, record] of touched) {
    if (record) records.set(id, record); else records.delete(id);
  }
  outbox = outbox.filter(e => !removeEntries.includes(e.mutation_id));
  entries.forEach((e, i) => outbox.push({ mutation_id: firstId + i, ...e }));
  notices = notices.filter(n => !removeNotices.includes(n.id)).concat(addNotices);
  if (session) vault.sessionWritten(session.next);
  emit();
  return firstId;
}

export const settle = (sent, answer) => exclusive(async () => {
  const results = new Map((answer.results || []).map(r => [r.mutation_id, r])),
    answered = sent.filter(e => results.has(e.mutation_id)),
    gone = answered.map(e => e.mutation_id),
    remaining = outbox.filter(e => !gone.includes(e.mutation_id)),
    touched = new Map(),
    addNotices = [],
    at = isoNow();
  for (const entry of answered) {
    const result = results.get(entry.mutation_id),
      later = remaining.filter(e => e.record_id === entry.record_id),
      laterFields = fieldsOf(later),
      current = touched.has(entry.record_id) ? touched.get(entry.record_id) : records.get(entry.record_id);
    let record = clone(current); // null or undefined as it was
    // Words, not keys: (date); nor a record's id, which no volunteer can read; nor a clause for programmers.
    const reason = result.reason?.replace(/\([a-z_]+\)/g, '').replace(RECORD_ID, '').replace(FOR_PROGRAMMERS, ''),
      child = childOf(entry.entity, entry.record_id, entry.fields),
      notice = (kind, more) =>
        addNotices.push({ ...entry, id: kind[0] + entry.mutation_id, kind, reason, at, child, ...more });
    if (result.status == 'rejected') {
      notice('rejected');
      if (record?.version === null) {
        if (!later.length) record = null; // never reached the server: lives in the notice
      } else if (record?.shadow) {
        const keep = Object.fromEntries([...laterFields].map(f => [f, record.fields[f]]));
        record.fields = { ...record.shadow.fields, ...keep };
        if (!later.length) delete record.shadow;
      }
    } else if (record) {
      if (result.version != null) record.version = result.version;
      const kept = result.status == 'conflict' ? (result.fields || {}) : {};
      delete kept._deleted;
      for (const [field, value] of Object.entries(kept)) if (!laterFields.has(field)) record.fields[field] = value;
      if (record.shadow) record.shadow.fields = { ...record.shadow.fields, ...entry.fields, ...kept };
      if (!later.length) delete record.shadow;
      if (result.status == 'conflict') notice('conflict', { conflicts: result.conflicts || [] });
    }
    if (record?.left && !later.length) record = null; // dropped by a pull while this answer was awaited
    if (record || current) touched.set(entry.record_id, record);
  }
  await commit({ touched, addNotices, removeEntries: gone, sessionPatch: answer.token && { token: answer.token } });
  return answered.length;
});

export const refuseTooLarge = (entry, reason) =>
  settle([entry], { results: [{ mutation_id: entry.mutation_id, status: 'rejected', version: null, reason }] }),

  // Never overwrites an unacknowledged local value: the server's goes into the shadow.
  // `recovering`: the server was restored from an older copy (docs/sync-protocol.md §12). A
  // record the server holds at an older version than this phone's copy lost the changes between:
  // what this phone may send of them goes back in the outbox, against the server's version.
  applyPage = (page, sessionPatch, seen = null, recovering = false) => exclusive(async () => {
    const touched = new Map(),
      entries = [],
      now = isoNow();
    for (const { entity, record_id: id, version, fields, deleted } of page.changes || []) {
      if (!SYNCED.includes(entity)) continue;
      seen?.add(id);
      const current = records.get(id),
        waiting = pendingFor(id),
        lost = recovering && !deleted && !waiting.length && current?.version > version
          && sendableChanges(entity, current.fields, fields);
      if (lost) {
        entries.push(upsert(entity, id, version, lost, now));
        touched.set(id, { ...current, version, fields: { ...fields, ...lost }, shadow: { fields } });
      } else if (deleted) {
        if (!waiting.length) touched.set(id, null);
      } else if (!waiting.length || !current) {
        // "Fixed, waiting for review" lasts until the station's review changes.
        const keep = current?.resubmittedAt && current.fields.review_status === fields.review_status
          && current.fields.review_comment === fields.review_comment;
        touched.set(id, {
          id, entity, version, deleted: false, fields, ...(keep && { resubmittedAt: current.resubmittedAt }),
        });
      } else {
        const mine = { ...fields };
        for (const field of fieldsOf(waiting)) mine[field] = current.fields[field];
        touched.set(id, { ...current, version, fields: mine, shadow: { fields }, left: 0 }); // back in scope
      }
    }
    for (const { record_id: id } of page.drop || []) {
      // A change still unsent keeps its record until its answer comes (the refusal then keeps the words and
      // names the child), marked to go with that answer: kept on, a child moved away would stay on this phone,
      // its refusal offering a form (需要修改) for a change nothing on the phone can mend.
      const held = touched.get(id) ?? records.get(id);
      if (held) touched.set(id, pendingFor(id).length ? { ...held, left: 1 } : null);
    }
    await commit({ touched, sessionPatch, entries });
  }),

  // After a pull from the start: a record the server no longer sends has left this phone's scope.
  // After a restore (`recovering`), a visit or screening the server does not have is one it lost:
  // it is sent again as new, and stays on the phone as unsent until the server takes it.
  reconcile = (seen, { recovering = false, sessionPatch = null } = {}) => exclusive(async () => {
    const touched = new Map(),
      entries = [],
      now = isoNow();
    for (const record of records.values()) {
      const { id, entity, version, fields } = record;
      if (seen.has(id) || version === null) continue;
      const again = recovering && RECREATED.includes(entity) && sendableChanges(entity, fields, {});
      if (pendingFor(id).length) touched.set(id, { ...record, left: 1 }); // goes with its answer, as a drop's
      else if (again) {
        entries.push(upsert(entity, id, null, again, now));
        const { shadow, ...kept } = record;
        touched.set(id, { ...kept, version: null });
      } else {
        touched.set(id, null);
      }
    }
    if (touched.size || sessionPatch) await commit({ touched, sessionPatch, entries });
  });

// What a volunteer creates on the phone, so can create again when the server lost it.
const RECREATED = ['activity', 'screening'];

// The fields of `mine` this phone may send that differ from `theirs` (null: none).
function sendableChanges(entity, mine, theirs) {
  const changed = {};
  for (const name of SENDABLE[entity] || []) {
    if (mine[name] !== undefined && !same(mine[name], theirs[name])) changed[name] = clone(mine[name]);
  }
  return Object.keys(changed).length ? changed : null;
}

export const dismissNotice = id => exclusive(() => commit({ removeNotices: [id] })),

  // Before a sync: reload everything if another tab of this phone has written since this one read. A full disk can
  // keep the database from opening at all (`full`): the outbox in memory is then sent as it is, not held until she
  // frees space. No other tab wrote meanwhile (tab.js: one tab is the app; `stale` says if one did before), and the
  // server keeps a change it has once (by its mutation_id): sent again at each sync, as the full disk cannot note
  // the answer, it is kept once.
  catchUp = () => exclusive(async () => {
    const now = await tx('meta', 'readonly', readGeneration).catch(e => {
      if (stale || !full(e)) throw e;
      return generation;
    });
    if (stale || now !== generation) await load();
  });

export async function dropServerCopies() {
  await tx('records', 'readwrite', s => req(s.records.clear()));
  records.clear();
  emit();
}
