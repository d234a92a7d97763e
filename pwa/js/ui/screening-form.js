// 摸排: a short screening of one mentee (psychological problem, risk level, whether an
// intervention succeeded, needs, notes). Also opens a rejected screening for fixing.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import { uuid7 } from '../ids.js';
import { today } from '../queries.js';
import * as repo from '../repo.js';
import { RISK_LEVELS, T } from '../strings.js';
import * as sync from '../sync.js';
import { chips, confirmButton, field, h, screen, show } from './dom.js';
import { flash, go, rerender, takeFlash } from './nav.js';

const YES_NO = [['yes', T.yes], ['no', T.no]];

export function toFields(values, menteeId) {
  const text = (v) => ((v || '').trim() === '' ? null : v.trim());
  return {
    mentee_id: menteeId, date: values.date, psych_problem: values.psych_problem === 'yes',
    risk_level: values.risk_level || null, intervention_success: values.intervention_success === 'yes',
    needs: text(values.needs), notes: text(values.notes),
  };
}

const fromFields = (f) => ({
  date: f.date, psych_problem: f.psych_problem ? 'yes' : 'no', risk_level: f.risk_level || null,
  intervention_success: f.intervention_success ? 'yes' : 'no', needs: f.needs || '', notes: f.notes || '',
});

export async function render({ menteeId, notice = null, seq = null }) {
  const mentee = repo.get(menteeId);
  const draftId = notice ? `notice:${notice.id}` : `screening:${menteeId}`;
  const error = h('p', { class: 'error', role: 'alert' });
  const restored = h('p', { class: 'notice', role: 'status' });
  const form = h('form', { novalidate: true },
    ...field(T.date, h('input', { type: 'date', name: 'date', max: today() })),
    chips(T.psychProblem, 'psych_problem', YES_NO, { type: 'radio' }),
    chips(T.riskLevel, 'risk_level', Object.entries(RISK_LEVELS), { type: 'radio' }),
    chips(T.interventionSuccess, 'intervention_success', YES_NO, { type: 'radio' }),
    ...field(T.needs, h('textarea', { name: 'needs', rows: 3 })),
    ...field(T.notes, h('textarea', { name: 'notes', rows: 3 })),
    error,
    h('button', { type: 'submit', class: 'wide' }, T.save));
  const start = notice
    ? fromFields({ ...notice.fields })
    : { date: today(), psych_problem: 'no', intervention_success: 'no', risk_level: mentee && mentee.fields.risk_level };
  forms.fillForm(form, start);
  const draft = await drafts.loadDraft(draftId);
  if (draft) {
    forms.fillForm(form, draft.values);
    restored.textContent = T.draftRestored;
  }
  const keep = () => drafts.saveDraft(draftId, forms.readForm(form), { route: location.hash, kind: 'screening' });
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = forms.readForm(form);
    if (!values.date) { error.textContent = T.pickDate; return; }
    await repo.save('screening', notice ? notice.record_id : uuid7(), toFields(values, menteeId),
      { removeNotice: notice ? notice.id : null });
    await drafts.clearDraft(draftId);
    forms.closed();
    flash(T.saved);
    go(`#/mentee/${menteeId}`);
    if (navigator.onLine) sync.syncNow('save');
  });
  const title = `${T.newScreening}：${mentee ? mentee.fields.code + ' ' + (mentee.fields.name || '') : ''}`.trim();
  const top = notice ? h('div', { class: 'comment' }, h('strong', {}, T.rejectedTitle), h('p', {}, T.reason + notice.reason)) : null;
  if (show(screen({ title, back: () => go(notice ? '#/waiting' : `#/mentee/${menteeId}`) }, takeFlash(), restored, top, form,
    confirmButton(T.clearDraft, T.clearDraftConfirm, async () => {
      await drafts.clearDraft(draftId);
      forms.closed();
      rerender();
    }, { class: 'secondary wide' })), seq)) forms.opened(draftId);
}
