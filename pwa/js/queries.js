// What the screens show, computed from the records: pure functions, no storage, no DOM.
// Dates are the volunteers' local dates (Asia/Shanghai), written YYYY-MM-DD.

import { T } from './strings.js';

export const DUE_SOON_DAYS = 7;

export function today(now = new Date()) {
  return now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

export function addDays(isoDate, days) {
  const d = new Date(isoDate + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function addMonths(isoDate, months) {
  const d = new Date(isoDate + 'T00:00:00Z');
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString().slice(0, 10);
}

/** "11月20日" (and the year when it is not this year's). */
export function shortDate(isoDate, reference = today()) {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-').map(Number);
  const sameYear = reference.slice(0, 4) === isoDate.slice(0, 4);
  return (sameYear ? '' : T.year(y)) + T.monthDay(m, d);
}

/** "10:42" in Shanghai time from a UTC timestamp. */
export function clock(isoTimestamp) {
  if (!isoTimestamp) return '';
  return new Date(isoTimestamp).toLocaleTimeString('zh-CN', {
    timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

/** "11月20日 10:42" in Shanghai time. */
export function moment(isoTimestamp) {
  if (!isoTimestamp) return '';
  return `${shortDate(today(new Date(isoTimestamp)))} ${clock(isoTimestamp)}`;
}

const byCode = (a, b) => String(a.fields.code).localeCompare(String(b.fields.code), 'zh-CN');

function newest(a, b) {
  // Latest date first; on the same day the later-written record first.
  if (a.fields.date !== b.fields.date) return a.fields.date < b.fields.date ? 1 : -1;
  const at = a.createdAt || a.id;
  const bt = b.createdAt || b.id;
  return at < bt ? 1 : at > bt ? -1 : 0;
}

/** My mentees (the ones with an active pairing of mine), by code, each with its pairing. */
export function myMentees(mentees, pairings, userId) {
  const active = new Map();
  for (const p of pairings) {
    if (p.fields.status === 'active' && (!userId || p.fields.mentor_id === userId)) active.set(p.fields.mentee_id, p);
  }
  return mentees.filter((m) => active.has(m.id)).sort(byCode).map((m) => ({ mentee: m, pairing: active.get(m.id) }));
}

/** A mentee's activities and screenings, newest first. */
export function timeline(menteeId, activities, screenings, pairings) {
  const pairingIds = new Set(pairings.filter((p) => p.fields.mentee_id === menteeId).map((p) => p.id));
  const mine = activities.filter((a) => a.fields.mentee_id === menteeId || pairingIds.has(a.fields.pairing_id));
  const checks = screenings.filter((s) => s.fields.mentee_id === menteeId);
  return [...mine, ...checks].sort(newest);
}

/**
 * Follow-ups due within DUE_SOON_DAYS ("即将到期") or past ("已逾期"): per pairing, the
 * newest activity's follow_up_due — a later visit replaces an earlier follow-up.
 */
export function followUps(entries, activities, on = today()) {
  const soon = addDays(on, DUE_SOON_DAYS);
  // One pass over the activities (a phone may hold thousands): the newest per pairing.
  const latest = new Map();
  for (const a of activities) {
    const key = a.fields.pairing_id;
    const best = latest.get(key);
    if (!best || newest(a, best) < 0) latest.set(key, a);
  }
  const out = [];
  for (const { mentee, pairing } of entries) {
    const last = latest.get(pairing.id);
    const due = last && last.fields.follow_up_due;
    if (!due || due > soon) continue;
    out.push({ mentee, activity: last, due, overdue: due < on });
  }
  return out.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
}

/** Activities the station returned and the volunteer has not fixed yet, newest first. */
export function returnedActivities(activities) {
  return activities.filter((a) => a.fields.review_status === 'returned' && !a.resubmittedAt).sort(newest);
}

/** May the volunteer still edit this activity? Their own (or 代录 for them), until approved. */
export function editable(activity, userId) {
  if (activity.fields.review_status === 'approved') return false;
  return activity.version === null || !userId || activity.fields.author_id === userId;
}
