import { shortDate, timeline } from '../queries.js';
import * as repo from '../repo.js';
import { APPROACHES, GENDERS, KINDS, REVIEW_STATUSES, RISK_LEVELS, T } from '../strings.js';
import { button, facts, go, h, link, listed, phrase, rerender, row, rows, screen, show, tag, telLink } from './dom.js';
import { categories, menteeLabel, riskTag } from './home.js';

const SYMBOLS = { approved: '✓ ', returned: '↩ ' },
  SECONDARY = 'button wide secondary',
  yesNo = value => (value ? T.yes : T.no);
// Two years of visits made a child's history 104 rows, 71 screens at 特大, with 摸排 under them all: the
// newest ten are drawn, the rest at a tap, and stay open for that child when a sync or 返回 draws it again.
let unfolded = null;

export function statusTag(activity) {
  if (activity.version === null || repo.pendingFor(activity.id).length) {
    return tag('pending', '↑ ' + T.notSynced);
  }
  const status = activity.fields.review_status || 'pending';
  if (status == 'returned' && activity.resubmittedAt) return tag('pending', T.resubmitted);
  return tag(status, (SYMBOLS[status] || '') + (REVIEW_STATUSES[status] || status));
}

function timelineRow(record) {
  const f = record.fields;
  if (record.entity == 'screening') {
    return row({}, `${shortDate(f.date)} ${T.screening}`,
      listed(`${T.psychProblem}：${yesNo(f.psych_problem)}`,
        f.risk_level && `${T.riskLevel}：${RISK_LEVELS[f.risk_level] || f.risk_level}`,
        `${T.interventionSuccess}：${yesNo(f.intervention_success)}`),
      f.needs && `${T.needs}：${f.needs}`);
  }
  // The kind whole on its line at 特大 (12月6日 / 面对面谈心, not 面对面谈 / 心 before the tag).
  return row({ href: `#/activity/${record.id}` }, [shortDate(f.date), ' ', phrase(KINDS[f.kind] || f.kind || ''), ' ',
    statusTag(record)],
    f.record?.replace(/^(.{40}).+/s, '$1…'), // the first 40 characters, and … when there are more
    f.risk_flag && [tag('risk-key', '⚠ ' + T.riskFlag)]);
}

export function render({ menteeId, seq = null }) {
  const mentee = repo.get(menteeId);
  if (!mentee) { go('#/'); return; }
  const f = mentee.fields,
    pairings = repo.list('pairing'),
    pairing = pairings.find(p => p.fields.mentee_id === menteeId && p.fields.status == 'active')?.fields,
    items = timeline(menteeId, repo.list('activity'), repo.list('screening'), pairings),
    cut = unfolded === menteeId ? items.length : 10;
  show(screen({ title: menteeLabel(mentee), back: () => go('#/') },
    link(`#/log/${menteeId}`, '✎ ' + T.logVisit),
    h('h2', T.profile),
    h('p', riskTag(f.risk_level)),
    facts([
      [T.categories, categories(mentee)],
      [T.school, f.school], [T.grade, f.grade], [T.gender, GENDERS[f.gender]], [T.birthYear, f.birth_year],
    ]),
    h('h2', T.plan),
    h('p', f.plan || T.none),
    pairing && facts([[T.approach, APPROACHES[pairing.approach]], [T.goals, pairing.goals]]),
    h('h2', T.guardian),
    facts([[T.guardian, f.guardian_name || T.none], [T.guardianContact, f.guardian_contact || T.none],
      [T.notes, f.notes]]),
    /[0-9]{5,}/.test(f.guardian_contact)
      && telLink(f.guardian_contact, `${T.call} ${f.guardian_contact}`, SECONDARY),
    link(`#/guardian/${menteeId}`, T.editGuardian, SECONDARY),
    h('h2', T.timeline),
    link(`#/screening/${menteeId}`, T.screening, SECONDARY),
    rows(items.slice(0, cut).map(timelineRow), h('p', T.noTimeline)),
    items[cut] && button(T.earlier(items.length - cut), () => {
      unfolded = menteeId;
      rerender();
    })), seq);
}
