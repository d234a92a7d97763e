// One activity: everything that was written, its review state, and — for a record the
// station returned — the comment on top and the way to fix it.

import { editable, shortDate } from '../queries.js';
import * as repo from '../repo.js';
import { KINDS, SIX_LINKS, T } from '../strings.js';
import * as vault from '../vault.js';
import { h, screen, show } from './dom.js';
import { menteeName } from './home.js';
import { statusTag } from './mentee.js';
import { go } from './nav.js';

export function render({ activityId, seq = null }) {
  const activity = repo.get(activityId);
  if (!activity) { go('#/'); return; }
  const f = activity.fields;
  const mentee = repo.get(f.mentee_id);
  const me = vault.currentSession().user;
  const canEdit = editable(activity, me && me.id);
  const list = (values, labels) => (values || []).map((v) => (labels ? labels[v] || v : v)).join('、');
  const rows = [
    [T.mentee, menteeName(mentee)], [T.kind, KINDS[f.kind]], [T.date, shortDate(f.date)],
    [T.duration, f.duration_min ? T.minutes(f.duration_min) : null], [T.place, f.place],
    [T.preparation, f.preparation], [T.record, f.record], [T.moods, list(f.moods)],
    [T.observations, list(f.observations)], [T.followUp, f.follow_up],
    [T.followUpDue, f.follow_up_due ? shortDate(f.follow_up_due) : null], [T.sixLinks, list(f.tags, SIX_LINKS)],
    [T.riskFlag, f.risk_flag ? '⚠ ' + T.yes : null], [T.riskAction, f.risk_action],
    [null, f.entered_by ? T.enteredByStation : null],
  ].filter(([, v]) => v);
  const returned = f.review_status === 'returned' && !activity.resubmittedAt;
  show(screen({ title: T.activity, back: () => go(mentee ? `#/mentee/${mentee.id}` : '#/') },
    returned ? h('div', { class: 'comment' }, h('strong', {}, T.returnedSay),
      h('p', {}, f.review_comment || T.none), h('p', {}, T.returnedFix)) : null,
    h('p', {}, statusTag(activity)),
    f.review_status === 'approved' ? h('p', { class: 'hint' }, T.approvedLocked) : null,
    activity.version === null ? h('p', { class: 'hint' }, T.notOnServer) : null,
    canEdit ? h('a', { class: 'button wide', href: `#/activity/${activity.id}/edit` }, '✎ ' + T.edit) : null,
    h('dl', { class: 'fields' },
      rows.map(([label, value]) => [label ? h('dt', {}, label) : null, h('dd', {}, value)]))), seq);
}
