// 待同步: every unsent or rejected change with its time, the last attempt and the server's
// reason; a rejected one opens for fixing; a conflict shows the kept value beside the
// volunteer's own text; 导出未同步记录 saves them all as a JSON file.

import { exportUnsent } from '../export.js';
import { moment, shortDate } from '../queries.js';
import * as repo from '../repo.js';
import { ENTITY_LABELS, FIELD_LABELS, KINDS, T } from '../strings.js';
import * as vault from '../vault.js';
import { confirmButton, h, screen, show } from './dom.js';
import { menteeName } from './home.js';
import { flash, go, rerender } from './nav.js';
import { syncCard } from './sync-status.js';

function subject(entity, recordId, fields) {
  const f = { ...(repo.get(recordId) || {}).fields, ...fields };
  const parts = [menteeName(entity === 'mentee' ? repo.get(recordId) : repo.menteeOf(f))];
  if (entity === 'activity') parts.push(`${shortDate(f.date)} ${KINDS[f.kind] || ''}`);
  if (entity === 'screening') parts.push(shortDate(f.date));
  return parts.filter(Boolean).join(' · ');
}

function show_(value) {
  if (value === null || value === undefined || value === '') return T.none;
  if (Array.isArray(value)) return value.join('、') || T.none;
  if (value === true) return T.yes;
  if (value === false) return T.no;
  return String(value);
}

function entryRow(entry, session) {
  const label = ENTITY_LABELS[entry.entity] || entry.entity;
  const what = entry.base_version === null ? T.newRecord(label) : T.changedRecord(label);
  const tried = session.lastAttemptAt && session.lastAttemptAt >= entry.created_at
    ? T.lastTry(moment(session.lastAttemptAt), session.lastError) : T.notTried;
  return h('li', {}, h('div', { class: 'row' },
    h('strong', {}, '↑ ', what),
    h('span', { class: 'meta' }, subject(entry.entity, entry.record_id, entry.fields)),
    h('span', { class: 'meta' }, T.made(moment(entry.created_at))),
    h('span', { class: 'meta' }, tried)));
}

function rejectedRow(notice) {
  const label = ENTITY_LABELS[notice.entity] || notice.entity;
  return h('li', {}, h('div', { class: 'row returned' },
    h('strong', {}, h('span', { class: 'tag rejected' }, '⚠ ' + T.rejectedTitle), ' ', label),
    h('span', { class: 'meta' }, subject(notice.entity, notice.record_id, notice.fields)),
    h('span', { class: 'meta' }, T.made(moment(notice.created_at))),
    h('span', { class: 'meta' }, T.reason + notice.reason),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: `#/notice/${notice.id}` }, T.fix),
      confirmButton(T.discard, T.discardConfirm, async () => {
        await repo.dismissNotice(notice.id);
        rerender();
      }, { class: 'secondary' }))));
}

function conflictRow(notice) {
  const labels = FIELD_LABELS[notice.entity] || {};
  return h('li', {}, h('div', { class: 'row' },
    h('strong', {}, '⚠ ', T.conflictTitle),
    h('span', { class: 'meta' }, subject(notice.entity, notice.record_id)),
    h('p', {}, T.conflictSay),
    notice.conflicts.map((c) => h('div', { class: 'kept' },
      h('strong', {}, labels[c.field] || c.field),
      h('p', {}, T.kept, show_(c.kept)),
      h('p', {}, T.yours, show_(c.yours)))),
    h('button', { type: 'button', class: 'wide secondary', onclick: async () => {
      await repo.dismissNotice(notice.id);
      rerender();
    } }, T.understood)));
}

export function render({ seq = null } = {}) {
  const session = vault.currentSession();
  const entries = repo.pending();
  const notices = repo.noticeList();
  const rejected = notices.filter((n) => n.kind === 'rejected');
  const conflicts = notices.filter((n) => n.kind === 'conflict');
  const nothing = !entries.length && !notices.length;
  show(screen({ title: T.waiting, tab: 'waiting' },
    syncCard(),
    h('p', {}, nothing ? T.nothingWaiting : T.waitingSay),
    rejected.length ? h('ul', { class: 'rows' }, rejected.map(rejectedRow)) : null,
    entries.length ? h('ul', { class: 'rows' }, entries.map((e) => entryRow(e, session))) : null,
    conflicts.length ? h('ul', { class: 'rows' }, conflicts.map(conflictRow)) : null,
    h('button', { type: 'button', class: 'wide secondary', onclick: async () => {
      const n = await exportUnsent();
      flash(T.exported(n));
      rerender();
    } }, T.exportUnsent)), seq);
}
