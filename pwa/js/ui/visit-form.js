import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import { uuid7 } from '../ids.js';
import { addDays, addMonths, myMentees, visitDay, wrongDates } from '../queries.js';
import * as repo from '../repo.js';
import { DURATIONS, KINDS, MOODS, OBSERVATIONS, PLACES, SIX_LINKS, T } from '../strings.js';
import * as vault from '../vault.js';
import { button, chips, field, h, phrase, telLink } from './dom.js';
import { alertBox, formScreen } from './form-screen.js';
import { menteeLabel } from './home.js';

const TEXTS = ['place', 'preparation', 'record', 'follow_up'],
  pairs = list => list.map(x => [x, x]),
  myChildren = () => myMentees(repo.list('mentee'), repo.list('pairing'), vault.currentSession().user?.id),
  // A record may hold values this form does not list (a 50-minute visit or a mood typed at the station,
  // a kind or a tag from a newer version): they are offered too, ticked, or saving any other change
  // would send them as erased.
  withHeld = (options, held) => options.concat(pairs([held ?? []].flat()
    .filter(v => v !== '' && !options.some(([value]) => String(value) === String(v)))));

function toFields(v, riskLocked) {
  const fields = {
    kind: v.kind || 'home_visit', date: v.date, duration_min: v.duration_min ? Number(v.duration_min) : null,
    follow_up_due: v.follow_up_due || null, moods: v.moods, observations: v.observations, tags: v.tags,
    risk_flag: riskLocked || v.risk_flag,
  };
  for (const name of TEXTS) fields[name] = (v[name] || '').trim() || null;
  return fields;
}

// ``locked``: the flag reached the station and is not handled yet. The server refuses a volunteer
// withdrawing it (a safeguarding signal leaves the station's list only through the station), so the
// box stays ticked here, with the station's number for a flag ticked by mistake.
function riskBox(form, locked) {
  const phone = vault.currentSession().unit?.phone,
    say = locked ? (phone ? T.riskLocked : T.riskLockedNoPhone) : (phone ? T.riskSay : T.riskNoPhone),
    detail = h('div', { hidden: !locked }, h('p', say), phone && telLink(phone, T.riskCall(phone))),
    box = chips('', 'risk_flag', [['on', T.riskFlag]], { bool: true }),
    update = () => {
      if (locked) form.elements.risk_flag.checked = true;
      detail.hidden = !form.elements.risk_flag.checked;
    };
  if (locked) box.querySelector('input').disabled = true;
  return { update, box: h('div.risk', { onchange: update }, box, detail) };
}

// The name first: it is what a volunteer recognises, and what stays visible when space is short. At 特大 the
// picker wraps (app.css): a word joiner after each hyphen keeps the code whole (沈思琪 / BX-2026-0012, not
// 沈思琪 BX- / 2026-0012), as phrase() does on the page.
const childOption = ({ mentee: { id, fields: f } }) =>
  h('option', { value: id }, `${f.name || ''} ${f.code.replace(/-/g, '-\u2060')}`.trim()),
  askOption = () => h('option', { value: '' }, T.pickMenteeOption),
  sameChildren = (a, b) => a.length == b.length && a.every((e, i) => e.mentee.id === b[i].mentee.id);

// A sync that lands while a new visit is being written changes only the list of children, never
// what is typed: a phone enrolled a moment ago gets its children, a child paired since appears,
// and a chosen child whose pairing ended is unchosen, with the warning a draft about them gets.
// ``state.orphaned``: the words belong to a child who left, so no child is chosen for them.
function followChildren(picker, state, warn) {
  const now = myChildren();
  if (sameChildren(now, state.entries)) return;
  const chosen = picker.value,
    kept = now.some(e => e.mentee.id === chosen);
  if (chosen && !kept) {
    state.orphaned = true;
    warn();
  }
  state.entries = now;
  const ask = state.orphaned || now.length > 1;
  picker.replaceChildren(...(ask ? [askOption()] : []), ...now.map(childOption));
  picker.value = kept ? chosen : (!state.orphaned && now.length == 1 ? now[0].mentee.id : '');
}

const openFlag = record => {
  const server = record && record.version !== null ? (record.shadow?.fields || record.fields) : null;
  return !!(server?.risk_flag && !server.risk_action);
};

export async function render({ mode, menteeId = null, activity = null, notice = null, seq = null }) {
  const { user, clockWrong } = vault.currentSession(),
    isNew = mode == 'new'; // 'edit' a stored visit, 'fix' one the server refused
  const state = { entries: myChildren(), orphaned: false },
    { entries } = state,
      record = activity || (notice && repo.get(notice.record_id)),
      pairingId = notice?.fields.pairing_id || record?.fields.pairing_id,
      fixedMentee = !isNew && repo.menteeOf({ ...record?.fields, pairing_id: pairingId }),
      // An unfinished visit about a child who has left this phone since (the pairing ended): its words
      // are about that child, so nothing is preselected and the volunteer is told not to move them.
    draft = isNew ? await drafts.loadDraft('activity:new') : null,
    goneChild = !!draft?.values?.mentee && !entries.some(e => e.mentee.id === draft.values.mentee);
  state.orphaned = goneChild;
  // Opened from one child's page, the one unfinished visit may be another child's: it opens with that child
  // chosen, and said above the form, or what she came to write about this child would go under the other's name.
  const other = menteeId
    && entries.find(({ mentee: m }) => m.id === draft?.values?.mentee && m.id !== menteeId)?.mentee,
    // With several children and none chosen yet, the volunteer picks one: a preselected first child
    // is how a visit (or a self-harm flag) would be logged against the wrong child.
    choose = !fixedMentee && (goneChild || (!menteeId && entries.length > 1)) && askOption(),
    now = visitDay(clockWrong),
    // After 保存, Back opens this form blank: the child's visit of today said above it, she does not write it
    // twice (checked again as she picks a child); only the same visit: another, a risk flag, is written.
    // Two phrases, for a narrow line. Not a p: main > p.notice is the flash after a save (dom.js reflash).
    twice = h('div.notice', T.twice.map(phrase)),
    check = () => {
      twice.hidden = !isNew
        || !repo.list('activity').some(a => a.fields.mentee_id === picker.value && a.fields.date === now);
    },
    picker = h('select', { name: 'mentee', disabled: !!fixedMentee, onchange: check }, choose,
      (fixedMentee ? [{ mentee: fixedMentee }] : entries).map(childOption)),
    start = isNew
      ? { mentee: menteeId || (entries.length == 1 ? entries[0].mentee.id : ''), kind: 'home_visit', date: now }
      : { ...record?.fields, ...notice?.fields, mentee: fixedMentee?.id },
      // No upper limit from a clock known wrong: a phone at 2001 could not pick today.
    date = h('input', { type: 'date', name: 'date', max: !clockWrong && now }),
      due = h('input', { type: 'date', name: 'follow_up_due' }),
      place = h('input', { type: 'text', name: 'place', autocomplete: 'off' }),
      form = h('form', { novalidate: true }),
      riskLocked = !isNew && openFlag(record),
      risk = riskBox(form, riskLocked),
      quick = (label, act) => button(label, () => { act(); keep(); }, 'chip'),
      // From today, not from the visit's date: a week after an old visit being corrected is already past.
    dueIn = (label, add, n) => quick(label, () => { due.value = add(now, n); }),
    area = name => h('textarea', { name, rows: 4 });

  form.append(...[
    field(T.mentee, picker),
    chips(T.kind, 'kind', withHeld(Object.entries(KINDS), start.kind), { type: 'radio' }),
    field(T.date, date),
    field(T.duration, h('select', { name: 'duration_min' }, h('option', { value: '' }, T.noDuration),
      withHeld(pairs(DURATIONS), start.duration_min).sort(([a], [b]) => a - b)
        .map(([n]) => h('option', { value: n }, T.minutes(n))))),
    field(T.place, place),
    h('div.chips', PLACES.map(p => quick(p, () => { place.value = p; }))),
    field(T.preparation, area('preparation')),
    field(T.record, area('record')),
    chips(T.moods, 'moods', withHeld(pairs(MOODS), start.moods)),
    chips(T.observations, 'observations', withHeld(pairs(OBSERVATIONS), start.observations)),
    field(T.followUp, area('follow_up')),
    field(T.followUpDue, due),
    h('div.chips', dueIn(T.inOneWeek, addDays, 7), dueIn(T.inTwoWeeks, addDays, 14),
      dueIn(T.inOneMonth, addMonths, 1)),
    chips(T.sixLinks, 'tags', withHeld(Object.entries(SIX_LINKS), start.tags)),
    risk.box].flat());

  const returned = record?.fields.review_status == 'returned',
    gone = alertBox(T.draftChildGone, T.draftChildGoneSay),
    top = returned ? alertBox(T.returnedSay, record.fields.review_comment || T.none, T.returnedFix)
      : goneChild ? gone : other && alertBox([T.draftWaiting(), '：', menteeLabel(other)]);

  async function save(values, say, o) {
    const entry = state.entries.find(e => e.mentee.id === picker.value);
    if (isNew && !entry) return say(T.pickMentee);
    // 记一次帮扶 then 保存 at once: the child and the day are chosen for her, and a visit with nothing in it
    // reached the station as one made. Anything she wrote or ticked will do; a self-harm flag alone goes.
    const fields = toFields(values, riskLocked),
      said = Object.values({ ...fields, kind: 0, date: 0 }).some(v => String(v || ''));
    if (isNew && !said) return say(T.writeRecord);
    if (!values.date) return say(T.pickDate);
    // The server takes them (a phone's record is never bounced for them), but the station would see the
    // follow-up as overdue the moment it arrived, and return the visit to be corrected.
    const wrong = wrongDates(values, (isNew ? entry.pairing : repo.get(pairingId))?.fields.start_date);
    if (wrong) return say(wrong);
    if (mode == 'edit') {
      const mark = returned ? { resubmittedAt: repo.isoNow() } : {};
      await repo.save('activity', activity.id, fields, { mark, ...o });
    } else {
      fields.pairing_id = isNew ? entry.pairing.id : pairingId;
      await repo.save('activity', notice ? notice.record_id : uuid7(), fields, {
        removeNotice: notice?.id, ...o,
        local: { mentee_id: (entry?.mentee || fixedMentee)?.id, review_status: 'pending', author_id: user?.id },
      });
    }
    return picker.value ? `#/mentee/${picker.value}` : '#/';
  }

  const [draftId, back, title] = isNew ? ['activity:new', menteeId ? `#/mentee/${menteeId}` : '#/', T.logVisit]
    : [`activity:${activity?.id}`, `#/activity/${activity?.id}`, mode == 'edit' ? T.editActivity : T.fixRejected],
    keep = await formScreen({
      form, notice, draftId, title, back, start, save, top: [top, twice], seq,
      edits: mode == 'edit', version: activity?.version ?? null,
    });
  if (goneChild) picker.value = ''; // 请选择是哪个孩子, not a blank box (the draft still names the child)
  risk.update();
  check();
  if (isNew && forms.isOpen() && form.isConnected) {
    forms.whileOpen(() => followChildren(picker, state, () => gone.isConnected || form.before(gone)));
  }
}
