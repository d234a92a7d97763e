// 记一次帮扶: log a new activity, edit one (a returned one shows the station's comment on
// top), or fix one the server rejected. Chips and pickers first, typing second.

import { uuid7 } from '../ids.js';
import { addDays, addMonths, myMentees, today } from '../queries.js';
import * as repo from '../repo.js';
import { DURATIONS, KINDS, MOODS, OBSERVATIONS, PLACES, SIX_LINKS, T } from '../strings.js';
import * as vault from '../vault.js';
import { chips, field, h } from './dom.js';
import { alertBox, formScreen } from './form-screen.js';

const TEXTS = ['place', 'preparation', 'record', 'follow_up'];

/** Form values → activity fields (empty text is null, the duration a number). */
export function toFields(v) {
  const fields = {
    kind: v.kind || 'home_visit', date: v.date, duration_min: v.duration_min ? Number(v.duration_min) : null,
    follow_up_due: v.follow_up_due || null, moods: v.moods || [], observations: v.observations || [],
    tags: v.tags || [], risk_flag: Boolean(v.risk_flag),
  };
  for (const name of TEXTS) fields[name] = (v[name] || '').trim() || null;
  return fields;
}

function toValues(f, menteeId) {
  const values = { ...f, mentee: menteeId, duration_min: f.duration_min ?? '', follow_up_due: f.follow_up_due ?? '' };
  for (const name of TEXTS) values[name] = f[name] ?? '';
  return values;
}

function riskBox(form) {
  const unit = vault.currentSession().unit;
  const phone = unit && unit.phone;
  const detail = h('div', { hidden: true }, h('p', {}, phone ? T.riskSay : T.riskNoPhone),
    phone ? h('a', { class: 'button wide', href: 'tel:' + phone.replace(/[^0-9+]/g, '') }, T.riskCall(phone)) : null);
  const box = h('div', { class: 'risk' }, chips('', 'risk_flag', [['on', T.riskFlag]], { bool: true }), detail);
  const update = () => { detail.hidden = !form.elements.risk_flag.checked; };
  box.addEventListener('change', update);
  return { box, update };
}

/** mode 'new' (menteeId preselects), 'edit' (an activity), or 'fix' (a rejected notice). */
export async function render({ mode, menteeId = null, activity = null, notice = null, seq = null }) {
  const me = vault.currentSession().user;
  const entries = myMentees(repo.list('mentee'), repo.list('pairing'), me && me.id);
  const record = activity || (notice && repo.get(notice.record_id)) || null;
  const pairingId = (notice && notice.fields.pairing_id) || (record && record.fields.pairing_id);
  const fixedMentee = mode === 'new' ? null : repo.menteeOf({ ...(record || {}).fields, pairing_id: pairingId });
  const name = (m) => `${m.fields.code} ${m.fields.name || ''}`.trim();
  const picker = h('select', { name: 'mentee', disabled: Boolean(fixedMentee) },
    (fixedMentee ? [{ mentee: fixedMentee }] : entries)
      .map(({ mentee }) => h('option', { value: mentee.id }, name(mentee))));
  const date = h('input', { type: 'date', name: 'date', max: today() });
  const due = h('input', { type: 'date', name: 'follow_up_due' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { novalidate: true });
  const risk = riskBox(form);
  const quick = (label, act) => h('button', { type: 'button', class: 'chip', onclick: () => { act(); keep(); } },
    label);
  const dueIn = (label, fn) => quick(label, () => { due.value = fn(date.value || today()); });

  form.append(
    ...field(T.mentee, picker),
    chips(T.kind, 'kind', Object.entries(KINDS), { type: 'radio' }),
    ...field(T.date, date),
    ...field(T.duration, h('select', { name: 'duration_min' }, h('option', { value: '' }, T.noDuration),
      DURATIONS.map((n) => h('option', { value: String(n) }, T.minutes(n))))),
    ...field(T.place, h('input', { type: 'text', name: 'place', autocomplete: 'off' })),
    h('div', { class: 'chips' }, PLACES.map((p) => quick(p, () => { form.elements.place.value = p; }))),
    ...field(T.preparation, h('textarea', { name: 'preparation', rows: 4 })),
    ...field(T.record, h('textarea', { name: 'record', rows: 4 })),
    chips(T.moods, 'moods', MOODS.map((m) => [m, m])),
    chips(T.observations, 'observations', OBSERVATIONS.map((o) => [o, o])),
    ...field(T.followUp, h('textarea', { name: 'follow_up', rows: 4 })),
    ...field(T.followUpDue, due),
    h('div', { class: 'chips' }, dueIn(T.inOneWeek, (d) => addDays(d, 7)), dueIn(T.inTwoWeeks, (d) => addDays(d, 14)),
      dueIn(T.inOneMonth, (d) => addMonths(d, 1))),
    chips(T.sixLinks, 'tags', Object.entries(SIX_LINKS)),
    risk.box, error, h('button', { type: 'submit', class: 'wide' }, T.save));

  let top = null;
  if (mode === 'fix') top = alertBox(T.rejectedTitle, T.reason + notice.reason);
  else if (record && record.fields.review_status === 'returned') {
    top = alertBox(T.returnedSay, record.fields.review_comment || T.none, T.returnedFix);
  }
  const start = mode === 'new'
    ? { mentee: menteeId || (entries[0] && entries[0].mentee.id) || '', kind: 'home_visit', date: today() }
    : toValues({ ...record?.fields, ...notice?.fields }, fixedMentee && fixedMentee.id);

  async function save(values) {
    const entry = entries.find((e) => e.mentee.id === picker.value);
    if (mode === 'new' && !entry) { error.textContent = T.pickMentee; return null; }
    if (!values.date) { error.textContent = T.pickDate; return null; }
    const fields = toFields(values);
    if (mode === 'edit') {
      const returned = activity.fields.review_status === 'returned';
      const mark = returned ? { resubmittedAt: new Date().toISOString() } : {};
      await repo.save('activity', activity.id, fields, { mark });
    } else {
      fields.pairing_id = mode === 'new' ? entry.pairing.id : pairingId;
      const mentee = mode === 'new' ? entry.mentee : fixedMentee;
      await repo.save('activity', mode === 'new' ? uuid7() : notice.record_id, fields, {
        removeNotice: notice && notice.id,
        local: { mentee_id: mentee && mentee.id, review_status: 'pending', author_id: me && me.id },
      });
    }
    return picker.value ? `#/mentee/${picker.value}` : '#/';
  }

  const draftId = mode === 'new' ? 'activity:new' : mode === 'edit' ? `activity:${activity.id}` : `notice:${notice.id}`;
  const back = mode === 'fix' ? '#/waiting' : mode === 'edit' ? `#/activity/${activity.id}`
    : menteeId ? `#/mentee/${menteeId}` : '#/';
  const title = mode === 'new' ? T.newActivity : mode === 'edit' ? T.editActivity : T.fixRejected;
  const keep = await formScreen({ form, draftId, title, back, start, save, top, seq });
  risk.update();
}
