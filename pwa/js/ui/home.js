// 首页: the sync line, 记一次帮扶, returned records, follow-ups due and overdue, my mentees.

import * as drafts from '../drafts.js';
import { followUps, myMentees, returnedActivities, shortDate, today } from '../queries.js';
import * as repo from '../repo.js';
import { CATEGORIES, KINDS, RISK_LEVELS, T } from '../strings.js';
import * as vault from '../vault.js';
import { h, screen, show } from './dom.js';
import { syncCard } from './sync-status.js';

export function riskTag(level) {
  const key = level || 'normal';
  return h('span', { class: `tag risk-${key}` }, T.risk(RISK_LEVELS[key] || key));
}

export function menteeName(mentee) {
  return mentee ? `${mentee.fields.code} ${mentee.fields.name || ''}`.trim() : '';
}

function menteeRow({ mentee }) {
  const categories = (mentee.fields.categories || []).map((c) => CATEGORIES[c] || c).join('、');
  return h('li', {}, h('a', { class: 'row', href: `#/mentee/${mentee.id}` },
    h('strong', {}, menteeName(mentee)),
    h('span', { class: 'meta' }, categories || T.none, ' · ', riskTag(mentee.fields.risk_level))));
}

function followUpRow(item) {
  const label = item.overdue ? T.overdue : T.dueSoon;
  return h('li', {}, h('a', { class: `row${item.overdue ? ' overdue' : ''}`, href: `#/mentee/${item.mentee.id}` },
    h('strong', {},
      h('span', { class: `tag ${item.overdue ? 'overdue' : 'due'}` }, (item.overdue ? '⚠ ' : '○ ') + label),
      ' ', menteeName(item.mentee)),
    h('span', { class: 'meta' }, T.followUpOn(shortDate(item.due)),
      item.activity.fields.follow_up ? '：' + item.activity.fields.follow_up : '')));
}

function returnedRow(activity) {
  const mentee = repo.get(activity.fields.mentee_id);
  return h('li', {}, h('a', { class: 'row returned', href: `#/activity/${activity.id}` },
    h('strong', {}, h('span', { class: 'tag returned' }, '↩ ' + T.returned), ' ', menteeName(mentee)),
    h('span', { class: 'meta' }, `${shortDate(activity.fields.date)} ${KINDS[activity.fields.kind] || ''}`),
    h('span', { class: 'meta' }, activity.fields.review_comment || '')));
}

const section = (title, rows) => (rows.length ? [h('h2', {}, title), h('ul', { class: 'rows' }, rows)] : null);

export async function render({ seq = null } = {}) {
  const session = vault.currentSession();
  const entries = myMentees(repo.list('mentee'), repo.list('pairing'), session.user && session.user.id);
  const activities = repo.list('activity');
  const due = followUps(entries, activities, today());
  const returned = returnedActivities(activities);
  const draft = (await drafts.allDrafts()).find((d) => d.id === 'activity:new');
  show(screen({ title: T.app + (session.user ? ' · ' + session.user.name : ''), tab: 'home' },
    syncCard(),
    draft ? h('p', { class: 'notice' }, T.draftWaiting, ' ',
      h('a', { class: 'inline', href: '#/log' }, T.draftContinue)) : null,
    h('a', { class: 'button wide', href: '#/log' }, '✎ ' + T.logVisit),
    section(`${T.returnedTitle}（${returned.length}）`, returned.map(returnedRow)),
    section(`${T.followUps}（${due.length}）`, due.map(followUpRow)),
    h('h2', {}, `${T.myMentees}（${entries.length}）`),
    entries.length ? h('ul', { class: 'rows' }, entries.map(menteeRow)) : h('p', {}, T.noMentees)), seq);
}
