// 记一次帮扶: log a new activity, edit one (a returned one opens with the station's comment
// on top), or fix one the server rejected. Chips and pickers first, typing second; the draft
// is saved on every `input` event, so it survives closing the app, locking and updates.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import { uuid7 } from '../ids.js';
import { addDays, addMonths, myMentees, today } from '../queries.js';
import * as repo from '../repo.js';
import { DURATIONS, KINDS, MOODS, OBSERVATIONS, PLACES, SIX_LINKS, T } from '../strings.js';
import * as sync from '../sync.js';
import * as vault from '../vault.js';
import { chips, confirmButton, field, h, screen, show } from './dom.js';
import { flash, go, rerender, takeFlash } from './nav.js';

const TEXT_FIELDS = ['place', 'preparation', 'record', 'follow_up'];

/** Form values → activity fields (empty text is null, the duration a number). */
export function toFields(values) {
  const fields = {
    kind: values.kind || 'home_visit',
    date: values.date,
    duration_min: values.duration_min ? Number(values.duration_min) : null,
    follow_up_due: values.follow_up_due || null,
    moods: values.moods || [],
    observations: values.observations || [],
    tags: values.tags || [],
    risk_flag: Boolean(values.risk_flag),
  };
  for (const name of TEXT_FIELDS) {
    const text = (values[name] || '').trim();
    fields[name] = text === '' ? null : text;
  }
  return fields;
}

function fromFields(fields, menteeId) {
  return {
    mentee: menteeId, kind: fields.kind, date: fields.date, duration_min: fields.duration_min ?? '',
    place: fields.place ?? '', preparation: fields.preparation ?? '', record: fields.record ?? '',
    follow_up: fields.follow_up ?? '', follow_up_due: fields.follow_up_due ?? '', moods: fields.moods || [],
    observations: fields.observations || [], tags: fields.tags || [], risk_flag: Boolean(fields.risk_flag),
  };
}

function textArea(name, label) {
  return field(label, h('textarea', { name, rows: 4 }));
}

function riskBox(form) {
  const unit = vault.currentSession().unit;
  const phone = unit && unit.phone;
  const detail = h('div', { hidden: true },
    h('p', {}, phone ? T.riskSay : T.riskNoPhone),
    phone ? h('a', { class: 'button wide', href: 'tel:' + phone.replace(/[^0-9+]/g, '') }, T.riskCall(phone)) : null);
  const box = h('div', { class: 'risk' },
    h('div', { class: 'chips' },
      h('label', { class: 'chip' },
        h('input', { type: 'checkbox', name: 'risk_flag', 'data-bool': true }),
        h('span', {}, T.riskFlag))),
    detail);
  const update = () => { detail.hidden = !form.elements.risk_flag.checked; };
  box.addEventListener('change', update);
  return { box, update };
}

/**
 * mode 'new' (menteeId preselects), 'edit' (an activity), or 'fix' (a rejected notice).
 */
export async function render({ mode, menteeId = null, activity = null, notice = null, seq = null }) {
  const session = vault.currentSession();
  const entries = myMentees(repo.list('mentee'), repo.list('pairing'), session.user && session.user.id);
  const draftId = mode === 'new' ? 'activity:new' : mode === 'edit' ? `activity:${activity.id}` : `notice:${notice.id}`;
  const record = activity || (notice && repo.get(notice.record_id)) || null;
  const lockedMentee = mode !== 'new';
  const recordMentee = record && (record.fields.mentee_id
    || (repo.get(record.fields.pairing_id) || { fields: {} }).fields.mentee_id);
  const noticeMentee = notice && (repo.get(notice.fields.pairing_id) || { fields: {} }).fields.mentee_id;

  const label = (m) => `${m.fields.code} ${m.fields.name || ''}`.trim();
  const menteeSelect = h('select', { name: 'mentee' },
    entries.map(({ mentee }) => h('option', { value: mentee.id }, label(mentee))));
  const fixedMentee = repo.get(recordMentee || noticeMentee);
  if (lockedMentee && fixedMentee && !entries.some((e) => e.mentee.id === fixedMentee.id)) {
    menteeSelect.append(h('option', { value: fixedMentee.id }, label(fixedMentee)));
  }
  const dueInput = h('input', { type: 'date', name: 'follow_up_due' });
  const dateInput = h('input', { type: 'date', name: 'date', max: today() });
  const error = h('p', { class: 'error', role: 'alert' });
  const restored = h('p', { class: 'notice', role: 'status' });
  const form = h('form', { novalidate: true });
  const risk = riskBox(form);

  const quickDue = (label, compute) => h('button', {
    type: 'button', class: 'chip',
    onclick: () => { dueInput.value = compute(dateInput.value || today()); keepDraft(); },
  }, label);
  const quickPlace = (label) => h('button', {
    type: 'button', class: 'chip', onclick: () => { form.elements.place.value = label; keepDraft(); },
  }, label);

  const top = [];
  if (mode === 'fix') {
    top.push(h('div', { class: 'comment' }, h('strong', {}, T.rejectedTitle), h('p', {}, T.reason + notice.reason)));
  } else if (record && record.fields.review_status === 'returned') {
    top.push(h('div', { class: 'comment' },
      h('strong', {}, T.returnedSay), h('p', {}, record.fields.review_comment || T.none), h('p', {}, T.returnedFix)));
  }

  form.append(
    ...field(T.mentee, menteeSelect),
    chips(T.kind, 'kind', Object.entries(KINDS), { type: 'radio', selected: 'home_visit' }),
    ...field(T.date, dateInput),
    ...field(T.duration, h('select', { name: 'duration_min' },
      h('option', { value: '' }, T.noDuration),
      DURATIONS.map((n) => h('option', { value: String(n) }, T.minutes(n))))),
    ...field(T.place, h('input', { type: 'text', name: 'place', autocomplete: 'off' })),
    h('div', { class: 'chips' }, PLACES.map(quickPlace)),
    ...textArea('preparation', T.preparation),
    ...textArea('record', T.record),
    chips(T.moods, 'moods', MOODS.map((m) => [m, m])),
    chips(T.observations, 'observations', OBSERVATIONS.map((o) => [o, o])),
    ...textArea('follow_up', T.followUp),
    ...field(T.followUpDue, dueInput),
    h('div', { class: 'chips' },
      quickDue(T.inOneWeek, (d) => addDays(d, 7)), quickDue(T.inTwoWeeks, (d) => addDays(d, 14)),
      quickDue(T.inOneMonth, (d) => addMonths(d, 1))),
    chips(T.sixLinks, 'tags', Object.entries(SIX_LINKS)),
    risk.box,
    error,
    h('button', { type: 'submit', class: 'wide' }, T.save),
  );

  // Start values: the record (or the rejected text), then any draft on top.
  const base = mode === 'new'
    ? { mentee: menteeId || (entries[0] && entries[0].mentee.id) || '', kind: 'home_visit', date: today() }
    : mode === 'edit'
      ? fromFields(activity.fields, recordMentee)
      : fromFields({ ...(record ? record.fields : {}), ...notice.fields }, recordMentee || noticeMentee);
  forms.fillForm(form, base);
  const draft = await drafts.loadDraft(draftId);
  if (draft) {
    forms.fillForm(form, draft.values);
    restored.textContent = T.draftRestored;
  }
  if (lockedMentee) menteeSelect.disabled = true;
  risk.update();

  function keepDraft() {
    drafts.saveDraft(draftId, forms.readForm(form), { route: location.hash, kind: 'activity' });
  }
  // `input` fires after IME composition and voice input have put their text in; no key events.
  form.addEventListener('input', keepDraft);
  form.addEventListener('change', keepDraft);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = forms.readForm(form);
    values.mentee = menteeSelect.value;
    const entry = entries.find((e) => e.mentee.id === values.mentee);
    if (mode === 'new' && !entry) { error.textContent = T.pickMentee; return; }
    if (!values.date) { error.textContent = T.pickDate; return; }
    error.textContent = '';
    const fields = toFields(values);
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      if (mode === 'new') {
        fields.pairing_id = entry.pairing.id;
        await repo.save('activity', uuid7(), fields, {
          local: { mentee_id: entry.mentee.id, review_status: 'pending', author_id: session.user && session.user.id },
        });
      } else if (mode === 'edit') {
        const wasReturned = activity.fields.review_status === 'returned';
        await repo.save('activity', activity.id, fields, { mark: wasReturned ? { resubmittedAt: new Date().toISOString() } : {} });
      } else {
        const fixed = { ...fields, pairing_id: notice.fields.pairing_id || (record && record.fields.pairing_id) };
        await repo.save('activity', notice.record_id, fixed, {
          removeNotice: notice.id,
          local: { mentee_id: noticeMentee || recordMentee, review_status: 'pending', author_id: session.user && session.user.id },
        });
      }
      await drafts.clearDraft(draftId);
    } finally {
      submit.disabled = false;
    }
    forms.closed();
    flash(T.saved);
    const target = values.mentee || recordMentee || noticeMentee;
    go(target ? `#/mentee/${target}` : '#/');
    if (navigator.onLine) sync.syncNow('save');
  });

  const clearButton = confirmButton(T.clearDraft, T.clearDraftConfirm, async () => {
    await drafts.clearDraft(draftId);
    forms.closed();
    rerender();
  }, { class: 'secondary wide' });

  const title = mode === 'new' ? T.newActivity : mode === 'edit' ? T.editActivity : T.fixRejected;
  const backTo = mode === 'fix' ? '#/waiting' : mode === 'edit' ? `#/activity/${activity.id}` : (menteeId ? `#/mentee/${menteeId}` : '#/');
  if (show(screen({ title, back: () => go(backTo) }, takeFlash(), restored, top, form, clearButton), seq)) forms.opened(draftId);
}
