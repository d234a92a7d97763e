import { editable, shortDate } from '../queries.js';
import * as repo from '../repo.js';
import { KINDS, SIX_LINKS, T } from '../strings.js';
import * as vault from '../vault.js';
import { facts, go, h, link, screen, show } from './dom.js';
import { alertBox } from './form-screen.js';
import { menteeLabel } from './home.js';
import { statusTag } from './mentee.js';

export function render({ activityId, seq = null }) {
  const activity = repo.get(activityId);
  if (!activity) { go('#/'); return; }
  const f = activity.fields,
    mentee = repo.get(f.mentee_id),
    list = (values, labels = {}) => (values || []).map(v => labels[v] || v).join('、');
  show(screen({ title: T.activity, back: () => go(mentee ? `#/mentee/${mentee.id}` : '#/') },
    f.review_status == 'returned' && !activity.resubmittedAt
      && alertBox(T.returnedSay, f.review_comment || T.none, T.returnedFix),
    repo.conflicts().some(n => n.record_id === activity.id)
      && [h('p.notice.warn', { role: 'status' }, T.conflictHere),
        link('#/waiting', T.seeConflict, 'button wide secondary')],
    h('p', statusTag(activity)),
    activity.version === null && h('p.hint', T.notOnServer),
    // One she may not edit (approved, or another's) says whom to ask, as its mark on the home list does.
    editable(activity, vault.currentSession().user?.id) ? link(`#/activity/${activity.id}/edit`, '✎ ' + T.edit)
      : h('p.hint', f.review_status == 'approved' && T.approvedLocked, T.askStation),
    facts([
      [T.mentee, menteeLabel(mentee)], [T.kind, KINDS[f.kind] || f.kind], [T.date, shortDate(f.date)],
      [T.duration, f.duration_min && T.minutes(f.duration_min)], [T.place, f.place],
      [T.preparation, f.preparation], [T.record, f.record], [T.moods, list(f.moods)],
      [T.observations, list(f.observations)], [T.followUp, f.follow_up],
      [T.followUpDue, shortDate(f.follow_up_due)], [T.sixLinks, list(f.tags, SIX_LINKS)],
      [T.riskFlag, f.risk_flag && '⚠ ' + T.yes], [T.riskAction, f.risk_action],
      [null, f.entered_by && T.enteredByStation],
    ])), seq);
}
