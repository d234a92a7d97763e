// Records, outbox and notices: decrypted in memory while unlocked, encrypted in IndexedDB.
// A local change writes its record and outbox entry (the next mutation_id) in one
// transaction; each answer or pulled page is one transaction too, so a crash loses nothing.
// Record: {id, entity, version (server's; null: never acknowledged), fields, shadow?}; the
// shadow holds the server's values while a local change is unacknowledged, so a rejected
// change can be undone on screen (its text stays in the notice).

import { req, tx } from './db.js';
import * as vault from './vault.js';

export const SYNCED = ['mentee', 'pairing', 'activity', 'screening'];

// What a mentor may send (docs/sync-protocol.md §10).
export const SENDABLE = {
  activity: ['pairing_id', 'kind', 'date', 'duration_min', 'place', 'preparation', 'record', 'follow_up',
    'follow_up_due', 'moods', 'observations', 'tags', 'risk_flag'],
  screening: ['mentee_id', 'date', 'psych_problem', 'risk_level', 'intervention_success', 'needs', 'notes'],
  mentee: ['guardian_name', 'guardian_contact', 'notes'],
};

const records = new Map();
let outbox = [];
let notices = [];
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) listener();
}

// Changes run one at a time: an answer being applied must not overwrite an edit saved meanwhile.
let queue = Promise.resolve();
function exclusive(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const clone = (value) => (value === undefined ? undefined : structuredClone(value));

let prefetched = null;

const readRows = () => tx(['records', 'outbox', 'notices'], 'readonly', (s) =>
  Promise.all([req(s.records.getAll()), req(s.outbox.getAll()), req(s.notices.getAll())]));

/** Read the (still encrypted) rows while the volunteer types the PIN; nothing writes while locked. */
export function prefetch() {
  prefetched = readRows();
  prefetched.catch(() => { prefetched = null; });
}

export async function load() {
  const reading = prefetched || readRows();
  prefetched = null;
  const [rows, entries, kept] = await reading;
  const [plainRecords, plainEntries, plainNotices] = await Promise.all([
    Promise.all(rows.map((row) => vault.unseal(row))),
    Promise.all(entries.map(async (row) => ({ mutation_id: row.mutation_id, ...(await vault.unseal(row)) }))),
    Promise.all(kept.map((row) => vault.unseal(row))),
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

export const get = (id) => records.get(id);
/** The mentee a record's fields belong to (directly, or through its pairing). */
export function menteeOf(fields = {}) {
  const pairing = records.get(fields.pairing_id);
  return records.get(fields.mentee_id || (pairing && pairing.fields.mentee_id));
}
export const list = (entity) => [...records.values()].filter((r) => r.entity === entity && !r.deleted);
export const pending = () => outbox.slice();
export const pendingFor = (id) => outbox.filter((e) => e.record_id === id);
export const noticeList = () => notices.slice();
export const notice = (id) => notices.find((n) => n.id === id);
export const rejectedCount = () => notices.filter((n) => n.kind === 'rejected').length;
// Unsent: the outbox plus rejected changes waiting for a fix.
export const unsentCount = () => outbox.length + rejectedCount();

function fieldsOf(entries) {
  return new Set(entries.flatMap((e) => Object.keys(e.fields || {})));
}

/**
 * Save a change: only sendable values that differ from the record are sent. `local` are
 * display-only fields of a new record (the mentee_id the server derives). Returns the
 * mutation_id, or null when nothing changed.
 */
export function save(entity, id, values, options = {}) {
  return exclusive(() => saveNow(entity, id, values, options));
}

async function saveNow(entity, id, values, { local = {}, mark = {}, removeNotice = null }) {
  const before = records.get(id);
  const create = !before;
  const changed = {};
  for (const name of SENDABLE[entity]) {
    if (name in values && (create || !same(values[name], before.fields[name]))) changed[name] = clone(values[name]);
  }
  if (!create && Object.keys(changed).length === 0 && !removeNotice) return null;
  const now = new Date().toISOString();
  let record;
  if (create) {
    record = { id, entity, version: null, deleted: false, fields: { ...local, ...changed }, createdAt: now, ...mark };
  } else {
    record = { ...before, fields: { ...before.fields, ...changed }, editedAt: now, ...mark };
    if (!record.shadow && before.version !== null) record.shadow = { fields: clone(before.fields) };
  }
  const entry = {
    entity, record_id: id, op: 'upsert', base_version: create ? null : before.version, fields: changed, created_at: now,
  };
  const send = create || Object.keys(changed).length > 0;
  const [sealedRecord, sealedEntry] = await Promise.all([vault.seal(record), vault.seal(entry)]);
  const mutationId = await tx(['meta', 'records', 'outbox', 'notices'], 'readwrite', async (s) => {
    s.records.put({ id, e: entity, ...sealedRecord });
    if (removeNotice) s.notices.delete(removeNotice);
    if (!send) return null;
    const counter = await req(s.meta.get('counter'));
    const next = (counter ? counter.value : 0) + 1;
    s.meta.put({ key: 'counter', value: next });
    s.outbox.put({ mutation_id: next, ...sealedEntry });
    return next;
  });
  records.set(id, record);
  if (removeNotice) notices = notices.filter((n) => n.id !== removeNotice);
  if (mutationId !== null) outbox.push({ mutation_id: mutationId, ...entry });
  emit();
  return mutationId;
}

/** Records (null deletes), notices and the session in one transaction; then memory. */
async function commit({ touched = new Map(), addNotices = [], removeEntries = [], removeNotices = [],
  sessionPatch = null }) {
  const sealedRecords = await Promise.all([...touched].map(async ([id, record]) =>
    [id, record && { id, e: record.entity, ...(await vault.seal(record)) }]));
  const sealedNotices = await Promise.all(addNotices.map(async (n) => ({ id: n.id, ...(await vault.seal(n)) })));
  const session = sessionPatch ? await vault.sealSession(sessionPatch) : null;
  await tx(['meta', 'records', 'outbox', 'notices'], 'readwrite', (s) => {
    for (const [id, row] of sealedRecords) {
      if (row) s.records.put(row); else s.records.delete(id);
    }
    for (const mutationId of removeEntries) s.outbox.delete(mutationId);
    for (const id of removeNotices) s.notices.delete(id);
    for (const row of sealedNotices) s.notices.put(row);
    if (session) s.meta.put(session.row);
  });
  for (const [id, record] of touched) {
    if (record) records.set(id, record); else records.delete(id);
  }
  if (removeEntries.length) {
    const gone = new Set(removeEntries);
    outbox = outbox.filter((e) => !gone.has(e.mutation_id));
  }
  if (removeNotices.length) notices = notices.filter((n) => !removeNotices.includes(n.id));
  notices = notices.concat(addNotices);
  if (session) vault.sessionWritten(session.next);
  emit();
}

/**
 * Apply a push answer: answered entries leave the outbox. A conflict takes the kept values
 * and leaves a notice showing them beside the volunteer's text; a rejected change leaves a
 * notice with the reason and its text, and the record shows the server's values again.
 */
export function settle(sent, answer) {
  return exclusive(() => settleNow(sent, answer));
}

async function settleNow(sent, answer) {
  const results = new Map((answer.results || []).map((r) => [r.mutation_id, r]));
  const answered = sent.filter((e) => results.has(e.mutation_id));
  const gone = new Set(answered.map((e) => e.mutation_id));
  const remaining = outbox.filter((e) => !gone.has(e.mutation_id));
  const touched = new Map();
  const addNotices = [];
  const now = new Date().toISOString();
  for (const entry of answered) {
    const result = results.get(entry.mutation_id);
    const later = remaining.filter((e) => e.record_id === entry.record_id);
    const laterFields = fieldsOf(later);
    const current = touched.has(entry.record_id) ? touched.get(entry.record_id) : records.get(entry.record_id);
    let record = current ? structuredClone(current) : null;
    if (result.status === 'rejected') {
      addNotices.push({
        id: `r${entry.mutation_id}`, kind: 'rejected', entity: entry.entity, record_id: entry.record_id,
        op: entry.op, fields: entry.fields, base_version: entry.base_version, reason: result.reason,
        created_at: entry.created_at, at: now, wasNew: !record || record.version === null,
      });
      if (record && record.version === null) {
        if (later.length === 0) record = null; // never reached the server: it lives in the notice now
      } else if (record && record.shadow) {
        const keep = Object.fromEntries([...laterFields].map((f) => [f, record.fields[f]]));
        record.fields = { ...record.shadow.fields, ...keep };
        if (later.length === 0) delete record.shadow;
      }
    } else if (record) {
      if (result.version !== null && result.version !== undefined) record.version = result.version;
      const kept = result.status === 'conflict' ? (result.fields || {}) : {};
      delete kept._deleted;
      for (const [field, value] of Object.entries(kept)) if (!laterFields.has(field)) record.fields[field] = value;
      if (record.shadow) record.shadow.fields = { ...record.shadow.fields, ...entry.fields, ...kept };
      if (later.length === 0) delete record.shadow;
      if (result.status === 'conflict') {
        addNotices.push({
          id: `c${entry.mutation_id}`, kind: 'conflict', entity: entry.entity, record_id: entry.record_id,
          reason: result.reason, conflicts: result.conflicts || [], created_at: entry.created_at, at: now,
        });
      }
    }
    if (record || current) touched.set(entry.record_id, record);
  }
  await commit({
    touched, addNotices, removeEntries: [...gone], sessionPatch: answer.token ? { token: answer.token } : null,
  });
  return answered.length;
}

/** A mutation too large even alone becomes a rejected notice. */
export async function refuseTooLarge(entry, reason) {
  await settle([entry], { results: [{ mutation_id: entry.mutation_id, status: 'rejected', version: null, reason }] });
}

function keepMarks(current, fields) {
  // "Fixed, waiting for review" lasts until the station's review changes.
  if (current && current.resubmittedAt && current.fields.review_status === fields.review_status
      && current.fields.review_comment === fields.review_comment) {
    return { resubmittedAt: current.resubmittedAt };
  }
  return {};
}

/**
 * Apply a pulled page and its cursor in one transaction. A pull never overwrites an
 * unacknowledged local value (the server's goes into the shadow); `drop`s are removed.
 */
export function applyPage(page, sessionPatch, seen = null) {
  return exclusive(() => applyPageNow(page, sessionPatch, seen));
}

async function applyPageNow(page, sessionPatch, seen) {
  const touched = new Map();
  for (const change of page.changes || []) {
    if (!SYNCED.includes(change.entity)) continue;
    if (seen) seen.add(change.record_id);
    const current = records.get(change.record_id);
    const waiting = pendingFor(change.record_id);
    if (change.deleted) {
      if (waiting.length === 0) touched.set(change.record_id, null);
      continue;
    }
    if (waiting.length === 0 || !current) {
      touched.set(change.record_id, {
        id: change.record_id, entity: change.entity, version: change.version, deleted: false,
        fields: change.fields, ...keepMarks(current, change.fields),
      });
    } else {
      const mine = fieldsOf(waiting);
      const fields = { ...change.fields };
      for (const field of mine) fields[field] = current.fields[field];
      touched.set(change.record_id, {
        ...current, version: change.version, fields, shadow: { fields: change.fields },
      });
    }
  }
  for (const dropped of page.drop || []) {
    if (records.has(dropped.record_id) || touched.has(dropped.record_id)) touched.set(dropped.record_id, null);
  }
  await commit({ touched, sessionPatch });
}

/** After a pull from the start: remove what the server no longer sends. */
export function reconcile(seen) {
  return exclusive(() => reconcileNow(seen));
}

async function reconcileNow(seen) {
  const touched = new Map();
  for (const record of records.values()) {
    if (!seen.has(record.id) && record.version !== null && pendingFor(record.id).length === 0) {
      touched.set(record.id, null);
    }
  }
  if (touched.size) await commit({ touched });
}

export const dismissNotice = (id) => exclusive(() => commit({ removeNotices: [id] }));

/** A revoked phone drops the server's records at once; unsent work stays until exported. */
export async function dropServerCopies() {
  await tx('records', 'readwrite', (s) => req(s.records.clear()));
  records.clear();
  emit();
}
