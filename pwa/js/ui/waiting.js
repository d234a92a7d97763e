import { exportUnsent } from '../export.js';
import { moment, shortDate } from '../queries.js';
import * as repo from '../repo.js';
import { ENTITY_LABELS, FIELD_LABELS, KINDS, T } from '../strings.js';
import * as vault from '../vault.js';
import { button, confirmButton, DOT, flash, h, link, phrase, rerender, row, rows, screen, show, tag } from './dom.js';
import { menteeLabel } from './home.js';
import { syncCard } from './sync-status.js';

export const exportButton = () => button(T.exportUnsent, async () => {
  flash(T.exported(await exportUnsent()));
  rerender();
});

function subject(entity, recordId, fields, mentee = repo.menteeFor(entity, recordId, fields)) {
  const f = { ...repo.get(recordId)?.fields, ...fields },
    // Trimmed: an edit of a visit the phone no longer holds (its child moved away) knows no date or kind,
    // and a lone space would hang a · after the child's code.
    when = (entity == 'activity' ? `${shortDate(f.date)} ${KINDS[f.kind] || ''}`
      : entity == 'screening' ? shortDate(f.date) : '').trim();
  if (!mentee) return when && [phrase(when)]; // an array: row() gives it the meta line's style
  return [menteeLabel(mentee, when && DOT), when && [' ', phrase(when)]];
}

function said(value) {
  if (value == null || value === '') return T.none;
  if (Array.isArray(value)) return value.join('、') || T.none;
  if (typeof value == 'boolean') return value ? T.yes : T.no;
  return String(value);
}

const label = entity => ENTITY_LABELS[entity] || entity,
  dismiss = notice => async () => {
    await repo.dismissNotice(notice.id);
    rerender();
  };

function entryRow(entry, { lastAttemptAt, lastError }) {
  const what = (entry.base_version === null ? T.newRecord : T.changedRecord)(label(entry.entity));
  // A self-harm flag still to go is said here as on the child's page: it reaches the station with this entry.
  return row({}, ['↑ ', what], subject(entry.entity, entry.record_id, entry.fields),
    entry.fields.risk_flag && [tag('risk-key', '⚠ ' + T.riskFlag)], [phrase(T.made(moment(entry.created_at)))],
    lastAttemptAt >= entry.created_at ? [phrase(T.lastTry(moment(lastAttemptAt)) + (lastError ? '：' : '')), lastError]
      : T.notTried);
}

// A change about a child no longer on this phone cannot be fixed here: its form would offer only
// the volunteer's other children, so its title asks for no 修改. The words stay in the notice until
// exported or given up; those the server kept for the station (their child was deleted) are said in the
// server's own sentence, big, and put away with 知道了: no edit or export could mend them.
function rejectedRow(notice) {
  const kept = notice.reason?.includes(T.keptOnServer),
    mine = !kept && repo.stillMine(notice);
  return row({ class: 'row returned' },
    [tag('returned', '⚠ ' + (mine ? T.rejectedTitle : T.refused)), ' ', label(notice.entity)],
    subject(notice.entity, notice.record_id, notice.fields, repo.noticeChild(notice)),
    [phrase(T.made(moment(notice.created_at)))], kept ? h('p.notice.big', notice.reason) : T.reason + notice.reason,
    !mine && !kept && h('p.notice.warn', T.childGone),
    h('div.actions', mine && link(`#/notice/${notice.id}`, T.fix, 'button'), kept
      ? button(T.understood, dismiss(notice), 'wide')
      : confirmButton(T.discard, T.discardConfirm, dismiss(notice), 'secondary')));
}

function conflictRow(notice) {
  const labels = FIELD_LABELS[notice.entity] || {};
  return row({}, '⚠ ' + T.conflictTitle, subject(notice.entity, notice.record_id),
    h('p', T.conflictSay),
    ...notice.conflicts.map(c => h('div.kept', h('strong', labels[c.field] || c.field),
      h('p', T.kept, said(c.kept)), h('p', T.yours, said(c.yours)))),
    button(T.understood, dismiss(notice)));
}

export function render({ seq = null } = {}) {
  const session = vault.currentSession(),
    entries = repo.pending(),
    notices = repo.noticeList();
  show(screen({ title: T.waiting, tab: 'waiting' },
    syncCard(rerender),
    rows(repo.rejected().map(rejectedRow)),
    // Heads the changes still to go only: a refused change or a conflict is not sent again by itself.
    h('p', entries.length ? T.waitingSay : !notices.length && T.nothingWaiting),
    rows(entries.map(e => entryRow(e, session))),
    rows(repo.conflicts().map(conflictRow)),
    exportButton()), seq);
}
