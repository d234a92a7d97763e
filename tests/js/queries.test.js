import * as q from '/app/js/queries.js';
import { assert, equal, test } from './harness.js';

const rec = (id, entity, fields, extra = {}) => ({ id, entity, version: 1, deleted: false, fields, ...extra });

test('today is the date in Shanghai, not UTC', () => {
  equal(q.today(new Date('2026-11-30T17:30:00Z')), '2026-12-01');
  equal(q.today(new Date('2026-11-30T15:59:00Z')), '2026-11-30');
});

test('adding days and months stays on real dates', () => {
  equal(q.addDays('2026-12-28', 7), '2027-01-04');
  equal(q.addMonths('2026-01-31', 1), '2026-02-28');
  equal(q.addMonths('2028-01-31', 1), '2028-02-29');
  equal(q.addMonths('2026-11-15', 1), '2026-12-15');
});

test('short dates leave out this year and keep another', () => {
  equal(q.shortDate('2026-11-20', '2026-12-01'), '11月20日');
  equal(q.shortDate('2025-11-20', '2026-12-01'), '2025年11月20日');
});

test('clock shows Shanghai time', () => {
  equal(q.clock('2026-11-30T02:42:00.000Z'), '10:42');
});

const pairings = [
  rec('p1', 'pairing', { mentor_id: 'me', mentee_id: 'm1', status: 'active' }),
  rec('p2', 'pairing', { mentor_id: 'me', mentee_id: 'm2', status: 'active' }),
  rec('p3', 'pairing', { mentor_id: 'other', mentee_id: 'm3', status: 'active' }),
  rec('p4', 'pairing', { mentor_id: 'me', mentee_id: 'm4', status: 'closed' }),
];
const mentees = ['m1', 'm2', 'm3', 'm4'].map((id, i) => rec(id, 'mentee', { code: `RD-00${3 - i}`, name: id }));

test('my mentees are those of my active pairings, by code', () => {
  equal(q.myMentees(mentees, pairings, 'me').map((e) => e.mentee.id), ['m2', 'm1']);
  equal(q.myMentees(mentees, pairings, 'me')[0].pairing.id, 'p2');
});

test('follow-ups: due within seven days, overdue after, the newest visit decides', () => {
  const entries = q.myMentees(mentees, pairings, 'me');
  const acts = [
    rec('a1', 'activity', { pairing_id: 'p1', mentee_id: 'm1', date: '2026-11-01', follow_up_due: '2026-11-10' }),
    rec('a2', 'activity', { pairing_id: 'p1', mentee_id: 'm1', date: '2026-11-20', follow_up_due: '2026-12-08' }),
    rec('a3', 'activity', { pairing_id: 'p2', mentee_id: 'm2', date: '2026-11-02', follow_up_due: '2026-11-30' }),
  ];
  const due = q.followUps(entries, acts, 'me', '2026-12-01');
  equal(due.map((d) => [d.mentee.id, d.due, d.overdue]), [['m2', '2026-11-30', true], ['m1', '2026-12-08', false]]);
  equal(q.followUps(entries, acts, 'me', '2026-11-30').map((d) => d.mentee.id), ['m2'], 'eight days ahead is not due yet');
});

test('a later visit without a follow-up date clears the reminder', () => {
  const entries = q.myMentees(mentees, pairings, 'me');
  const acts = [
    rec('a1', 'activity', { pairing_id: 'p2', mentee_id: 'm2', date: '2026-11-01', follow_up_due: '2026-11-10' }),
    rec('a2', 'activity', { pairing_id: 'p2', mentee_id: 'm2', date: '2026-11-12', follow_up_due: null }),
  ];
  equal(q.followUps(entries, acts, 'me', '2026-12-01'), []);
});

test('returned activities leave the list once fixed', () => {
  const acts = [
    rec('a1', 'activity', { date: '2026-11-01', review_status: 'returned' }),
    rec('a2', 'activity', { date: '2026-11-02', review_status: 'returned' }, { resubmittedAt: '2026-11-03T00:00:00Z' }),
    rec('a3', 'activity', { date: '2026-11-03', review_status: 'pending' }),
  ];
  equal(q.returnedActivities(acts).map((a) => a.id), ['a1']);
});

test('a phone lists only its own volunteer\'s returned activities', () => {
  const acts = [
    rec('a1', 'activity', { date: '2026-11-01', review_status: 'returned', author_id: 'u1' }),
    rec('a2', 'activity', { date: '2026-11-02', review_status: 'returned', author_id: 'u2' }),
  ];
  equal(q.returnedActivities(acts, 'u1').map((a) => a.id), ['a1']);
});

test('a new visit is dated by the server\'s day when the phone\'s clock is known wrong', () => {
  equal(q.visitDay(null), q.today());
  equal(q.visitDay({ server: '2026-12-02', phone: '2041-03-01' }), '2026-12-02');
  equal(q.visitDay({ server: '2026-12-02 09:04', phone: '2026-12-02 17:04' }), '2026-12-02'); // the sync keeps the time
});

test('the timeline holds the mentee\'s activities and screenings, newest first', () => {
  const acts = [
    rec('a1', 'activity', { pairing_id: 'p1', date: '2026-10-01' }),
    rec('a2', 'activity', { pairing_id: 'p2', date: '2026-10-05' }),
    rec('a3', 'activity', { pairing_id: 'p1', date: '2026-11-01' }),
  ];
  const checks = [rec('s1', 'screening', { mentee_id: 'm1', date: '2026-10-15' })];
  equal(q.timeline('m1', acts, checks, pairings).map((r) => r.id), ['a3', 's1', 'a1']);
});

test('an approved activity cannot be edited; my own pending one can', () => {
  assert(!q.editable(rec('a', 'activity', { review_status: 'approved', author_id: 'me' }), 'me'));
  assert(q.editable(rec('a', 'activity', { review_status: 'returned', author_id: 'me' }), 'me'));
  assert(!q.editable(rec('a', 'activity', { review_status: 'pending', author_id: 'other' }), 'me'));
  assert(q.editable({ ...rec('a', 'activity', { review_status: 'pending' }), version: null }, 'me'));
});

test('a follow-up before its visit, or a visit before its pairing began, is named in words; right dates are not', () => {
  equal(q.wrongDates({ date: '2026-11-20', follow_up_due: '2026-11-18' }, '2026-09-01'), '下次跟踪日期不能早于这次帮扶的日期。');
  equal(q.wrongDates({ date: '2026-08-20', follow_up_due: null }, '2026-09-01'), '结对是2026年9月1日开始的，帮扶日期不能早于这一天。');
  equal(q.wrongDates({ date: '2026-11-20', follow_up_due: '2026-11-27' }, '2026-09-01'), null);
  equal(q.wrongDates({ date: '2026-11-20', follow_up_due: '2026-11-20' }, undefined), null, 'the same day, no pairing start');
});

const startedPairings = pairings.map((p) => rec(p.id, 'pairing', { ...p.fields, start_date: '2026-09-01' }));

test('a follow-up a visit with impossible dates left carries what is wrong with them', () => {
  const entries = q.myMentees(mentees, startedPairings, 'me');
  const acts = [
    rec('a1', 'activity', { pairing_id: 'p1', mentee_id: 'm1', date: '2026-11-28', follow_up_due: '2026-11-25', author_id: 'me' }),
    rec('a2', 'activity', { pairing_id: 'p2', mentee_id: 'm2', date: '2026-11-20', follow_up_due: '2026-12-03', author_id: 'me' }),
  ];
  equal(q.followUps(entries, acts, 'me', '2026-12-01').map((d) => [d.mentee.id, d.wrong]),
    [['m1', '日期不对，请打开修改：下次跟踪日期不能早于这次帮扶的日期。'], ['m2', null]]);
});

test('the wrong-dates mark says 请打开修改 only on a visit she may edit; the station corrects an approved one or another\'s', () => {
  const entries = q.myMentees(mentees, startedPairings, 'me');
  const wrong = { date: '2026-11-28', follow_up_due: '2026-11-25' };
  const marks = (fields, extra) => q.followUps(entries, [rec('a', 'activity', { pairing_id: 'p1', mentee_id: 'm1',
    ...wrong, ...fields }, extra)], 'me', '2026-12-01').map((d) => d.wrong);
  const open = '日期不对，请打开修改：下次跟踪日期不能早于这次帮扶的日期。';
  const tell = '日期不对，请告诉辅导站更正：下次跟踪日期不能早于这次帮扶的日期。';
  equal(marks({ author_id: 'me', review_status: 'pending' }), [open], 'her own, waiting for review');
  equal(marks({ author_id: 'me', entered_by: 'staff', review_status: 'returned' }), [open], '代录 for her: hers to edit');
  equal(marks({ author_id: 'me', review_status: 'pending' }, { version: null }), [open], 'not yet sent');
  equal(marks({ author_id: 'me', review_status: 'approved' }), [tell], 'approved and locked');
  equal(marks({ author_id: 'other', entered_by: 'staff', review_status: 'pending' }), [tell], 'entered for another volunteer');
});
