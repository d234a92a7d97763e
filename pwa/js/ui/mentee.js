// A mentee's page: profile, plan (一人一策), guardian contact (editable), the timeline of
// activities and screenings, 记一次帮扶 and 摸排.

import { shortDate, timeline } from '../queries.js';
import * as repo from '../repo.js';
import { APPROACHES, CATEGORIES, GENDERS, KINDS, REVIEW_STATUSES, RISK_LEVELS, T } from '../strings.js';
import { h, screen, show } from './dom.js';
import { go } from './nav.js';
import { menteeName, riskTag } from './home.js';

function facts(pairs) {
  return h('dl', { class: 'fields' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

export function statusTag(activity) {
  if (activity.version === null || repo.pendingFor(activity.id).length) {
    return h('span', { class: 'tag pending' }, '↑ ' + T.notSynced);
  }
  const status = activity.fields.review_status || 'pending';
  if (status === 'returned' && activity.resubmittedAt) return h('span', { class: 'tag pending' }, T.resubmitted);
  const symbol = { approved: '✓ ', returned: '↩ ', pending: '' }[status] || '';
  return h('span', { class: `tag ${status}` }, symbol + (REVIEW_STATUSES[status] || status));
}

function timelineRow(record) {
  if (record.entity === 'screening') {
    const f = record.fields;
    return h('li', {}, h('div', { class: 'row' },
      h('strong', {}, `${shortDate(f.date)} ${T.screening}`),
      h('span', { class: 'meta' }, `${T.psychProblem}：${f.psych_problem ? T.yes : T.no}`,
        f.risk_level ? ` · ${T.riskLevel}：${RISK_LEVELS[f.risk_level]}` : '',
        ` · ${T.interventionSuccess}：${f.intervention_success ? T.yes : T.no}`),
      f.needs ? h('span', { class: 'meta' }, `${T.needs}：${f.needs}`) : null));
  }
  const f = record.fields;
  return h('li', {}, h('a', { class: 'row', href: `#/activity/${record.id}` },
    h('strong', {}, `${shortDate(f.date)} ${KINDS[f.kind] || ''} `, statusTag(record)),
    f.record ? h('span', { class: 'meta' }, f.record.length > 40 ? f.record.slice(0, 40) + '…' : f.record) : null,
    f.risk_flag ? h('span', { class: 'meta' }, h('span', { class: 'tag risk-key' }, '⚠ ' + T.riskFlag)) : null));
}

export function render({ menteeId, seq = null }) {
  const mentee = repo.get(menteeId);
  if (!mentee) { go('#/'); return; }
  const f = mentee.fields;
  const pairing = repo.list('pairing').find((p) => p.fields.mentee_id === menteeId && p.fields.status === 'active');
  const items = timeline(menteeId, repo.list('activity'), repo.list('screening'), repo.list('pairing'));
  show(screen({ title: menteeName(mentee), back: () => go('#/') },
    h('a', { class: 'button wide', href: `#/log/${menteeId}` }, '✎ ' + T.logVisit),
    h('h2', {}, T.profile),
    h('p', {}, riskTag(f.risk_level)),
    facts([
      [T.categories, (f.categories || []).map((c) => CATEGORIES[c] || c).join('、')],
      [T.school, f.school], [T.grade, f.grade], [T.gender, GENDERS[f.gender]], [T.birthYear, f.birth_year],
    ]),
    h('h2', {}, T.plan),
    h('p', { class: 'plan' }, f.plan || T.none),
    pairing ? facts([[T.approach, APPROACHES[pairing.fields.approach]], [T.goals, pairing.fields.goals]]) : null,
    h('h2', {}, T.guardian),
    facts([[T.guardian, f.guardian_name || T.none], [T.guardianContact, f.guardian_contact || T.none],
      [T.notes, f.notes]]),
    f.guardian_contact && /[0-9]{5,}/.test(f.guardian_contact)
      ? h('a', { class: 'button wide secondary', href: 'tel:' + f.guardian_contact.replace(/[^0-9+]/g, '') },
        `${T.call} ${f.guardian_contact}`) : null,
    h('a', { class: 'button wide secondary', href: `#/guardian/${menteeId}` }, T.editGuardian),
    h('h2', {}, T.timeline),
    items.length ? h('ul', { class: 'rows' }, items.map(timelineRow)) : h('p', {}, T.noTimeline),
    h('a', { class: 'button wide secondary', href: `#/screening/${menteeId}` }, T.newScreening)), seq);
}
