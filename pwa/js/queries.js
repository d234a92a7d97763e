// Dates are the volunteers' local dates (Asia/Shanghai), written YYYY-MM-DD.

import { T } from './strings.js';

const DUE_SOON_DAYS = 7,
  ZONE = { timeZone: 'Asia/Shanghai' },
  utc = isoDate => new Date(isoDate + 'T00:00:00Z'),
  iso = d => d.toISOString().slice(0, 10);

export const today = (now = Date.now()) => new Date(now).toLocaleDateString('sv-SE', ZONE),
  // The day a new visit is dated by default: the phone's, unless the last sync found the phone's
  // clock wrong (``clockWrong``, sync.js); then the server's day at that sync. Not the phone's 2001
  // or 2041, and not the phone's day moved by the measured offset, which goes stale (and far wrong)
  // the moment the volunteer fixes the clock as the warning asks.
  visitDay = (clockWrong = null) => clockWrong?.server.slice(0, 10) || today();

export function addDays(isoDate, days) {
  const d = utc(isoDate);
  d.setUTCDate(d.getUTCDate() + days);
  return iso(d);
}

export function addMonths(isoDate, months) {
  const d = utc(isoDate),
    day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  d.setUTCDate(Math.min(day, new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()));
  return iso(d);
}

export function shortDate(isoDate, reference = today()) {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-').map(Number);
  return (reference.slice(0, 4) === isoDate.slice(0, 4) ? '' : T.year(y)) + T.monthDay(m, d);
}

const TIME = { ...ZONE, hour: '2-digit', minute: '2-digit', hour12: false };
export const clock = t => (t ? new Date(t).toLocaleTimeString('zh-CN', TIME) : ''),

  moment = t => (t ? `${shortDate(today(t))} ${clock(t)}` : '');

const byCode = (a, b) => String(a.fields.code).localeCompare(String(b.fields.code), 'zh-CN'),

  cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    // On the same day, the later-written record first.
    newest = (a, b) => cmp(b.fields.date, a.fields.date) || cmp(b.createdAt || b.id, a.createdAt || a.id);

export function myMentees(mentees, pairings, userId) {
  const active = new Map();
  for (const p of pairings) {
    if (p.fields.status == 'active' && (!userId || p.fields.mentor_id === userId)) active.set(p.fields.mentee_id, p);
  }
  return mentees.filter(m => active.has(m.id)).sort(byCode).map(m => ({ mentee: m, pairing: active.get(m.id) }));
}

export function timeline(menteeId, activities, screenings, pairings) {
  const pairingIds = new Set(pairings.filter(p => p.fields.mentee_id === menteeId).map(p => p.id)),
    mine = activities.filter(a => a.fields.mentee_id === menteeId || pairingIds.has(a.fields.pairing_id));
  return mine.concat(screenings.filter(s => s.fields.mentee_id === menteeId)).sort(newest);
}

// What is wrong with a visit's dates, or null: a follow-up before the visit, a visit before its pairing began.
// The server takes both from a phone; the form refuses them, and the follow-ups list names those an older app
// let through, which would otherwise read as plain overdue follow-ups.
export const wrongDates = (f, begun) => (f.follow_up_due && f.follow_up_due < f.date ? T.dueBeforeVisit
  : begun > f.date ? T.beforePairing(begun) : null);

// Per pairing, the newest activity's follow_up_due: a later visit replaces earlier ones. One with wrong dates
// carries the words for its mark: 请打开修改 only on a visit she may edit (an approved one, or another's, has no
// 修改这条记录 to open); on the others the station corrects it.
export function followUps(entries, activities, userId, on = today()) {
  const soon = addDays(on, DUE_SOON_DAYS),
    // One pass: a phone may hold thousands of activities.
    latest = new Map();
  for (const a of activities) {
    const best = latest.get(a.fields.pairing_id);
    if (!best || newest(a, best) < 0) latest.set(a.fields.pairing_id, a);
  }
  const out = [];
  for (const { mentee, pairing } of entries) {
    const activity = latest.get(pairing.id),
      due = activity?.fields.follow_up_due;
    if (due && due <= soon) {
      out.push({ mentee, activity, due, overdue: due < on,
        wrong: T.fixDate(editable(activity, userId), wrongDates(activity.fields, pairing.fields.start_date)) });
    }
  }
  return out.sort((a, b) => cmp(a.due, b.due));
}

// The volunteer's own returned visits (a staff phone holds its station's: not theirs to fix here).
export const returnedActivities = (activities, userId = null) => activities.filter(a =>
  a.fields.review_status == 'returned' && !a.resubmittedAt && (!userId || a.fields.author_id === userId)).sort(newest),

  editable = (activity, userId) => activity.fields.review_status != 'approved'
    && (activity.version === null || !userId || activity.fields.author_id === userId);
