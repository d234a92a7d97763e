import * as drafts from '../drafts.js';
import { followUps, myMentees, returnedActivities, shortDate } from '../queries.js';
import * as repo from '../repo.js';
import { CATEGORIES, KINDS, RISK_LEVELS, T } from '../strings.js';
import { syncState } from '../sync.js';
import * as vault from '../vault.js';
import { h, link, listed, phrase, rerender, row, rows, screen, show, tag, withCount } from './dom.js';
import { syncCard } from './sync-status.js';

export function riskTag(level) {
  const key = level || 'normal';
  return tag('risk-' + key, T.risk(RISK_LEVELS[key] || key));
}

// A child as the page names them (the visit form's picker says it in plain text: visit-form.js childOption):
// a name or a code split across lines (王雨 / 欣, BX-2026- / 0014) no longer reads as one.
// `tail` goes inside the code's phrase: Chromium breaks a line between a phrase and what follows it.
export const menteeLabel = (mentee, tail = '') => (mentee
    ? [mentee.fields.name && [phrase(mentee.fields.name), ' '], phrase(mentee.fields.code + tail)] : ''),
  categories = mentee => (mentee.fields.categories || []).map(c => CATEGORIES[c] || c).join('、');

const menteeRow = ({ mentee }) => row({ href: `#/mentee/${mentee.id}` }, menteeLabel(mentee),
  listed(categories(mentee) || T.none, riskTag(mentee.fields.risk_level))),

  // A visit whose dates cannot be right opens itself, where 修改这条记录 is (or whom to ask), not the child's page.
  followUpRow = ({ mentee, activity, due, overdue, wrong }) => row(
    { href: wrong ? `#/activity/${activity.id}` : `#/mentee/${mentee.id}`, class: `row${overdue ? ' overdue' : ''}` },
    [overdue ? tag('overdue', '⚠ ' + T.overdue) : tag('due', '○ ' + T.dueSoon), ' ', menteeLabel(mentee)],
    [T.followUpOn(shortDate(due)), activity.fields.follow_up ? '：' + activity.fields.follow_up : ''],
    wrong && h('p.error', wrong)),

  returnedRow = ({ id, fields: f }) => row({ href: `#/activity/${id}`, class: 'row returned' },
    [tag('returned', '↩ ' + T.returned), ' ', menteeLabel(repo.get(f.mentee_id))],
    [shortDate(f.date), ' ', phrase(KINDS[f.kind] || f.kind || '')], f.review_comment || ''),

  section = (title, items) => items.length > 0 && [h('h2', withCount(title, items.length)), rows(items)];

export async function render({ seq = null } = {}) {
  const { user, lastSyncAt } = vault.currentSession(),
    entries = myMentees(repo.list('mentee'), repo.list('pairing'), user?.id),
    activities = repo.list('activity'),
    // Each unfinished form, reopened where it was left; not an edit of a visit gone from the phone.
    unfinished = (await drafts.allDrafts()).filter(d => !d.route?.endsWith('edit') || repo.get(d.id.slice(9))),
  // The app is the volunteers'; a staff account signed in on a phone has no children of its own to
  // visit, and is told where its work is rather than shown an empty list and a form with no child.
    title = T.app + (user ? ' · ' + user.name : '');
  if (user?.role && user.role != 'mentor') {
    show(screen({ title, tab: 'home' }, syncCard(), h('p.notice', T.staffPhone)), seq);
    return;
  }
  // Until the first sync has ended the children are on their way, not none (the card: 还没有同步过), and
  // without a count (a page of them may come before the rest). Online she reads they are being fetched, not
  // that she must go online: only a failed sync (no signal, the server down) leaves that, with what to do.
  // A sync ends with no change of records when there are none, and starts with none: the card draws the
  // screen again at each start and end until then.
  const { running, problem } = syncState(),
    first = !lastSyncAt && h('p', running || !problem ? T.fetching : [T.menteesComing, T.retry]);
  // 记一次帮扶 before the sync card: offline with changes waiting, the card (↑ 未同步 N 条, 没有网络…) filled the
  // whole first screen at 特大 on a 360×640 phone, and the one thing she opened the app for was below it.
  show(screen({ title, tab: 'home' },
    unfinished.map(d => h('p.notice', T.draftWaiting(d.id), ' ', link(d.route, T.draftContinue, 'inline'))),
    link('#/log', '✎ ' + T.logVisit),
    syncCard(lastSyncAt ? null : rerender, 1),
    section(T.returnedTitle, returnedActivities(activities, user?.id).map(returnedRow)),
    section(T.followUps, followUps(entries, activities, user?.id).map(followUpRow)),
    h('h2', lastSyncAt ? withCount(T.myMentees, entries.length) : T.myMentees),
    rows(entries.map(menteeRow), !first && h('p', T.noMentees, T.menteesComing)), first), seq);
}
