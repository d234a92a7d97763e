// 摸排: a short screening of one mentee (psychological problem, risk level, whether an
// intervention succeeded, needs, notes); also a rejected one, opened for fixing.

import { uuid7 } from '../ids.js';
import { today } from '../queries.js';
import * as repo from '../repo.js';
import { RISK_LEVELS, T } from '../strings.js';
import { chips, field, h } from './dom.js';
import { alertBox, formScreen } from './form-screen.js';

const YES_NO = [['yes', T.yes], ['no', T.no]];
const text = (v) => (v || '').trim() || null;

export async function render({ menteeId, notice = null, seq = null }) {
  const mentee = repo.get(menteeId);
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { novalidate: true },
    ...field(T.date, h('input', { type: 'date', name: 'date', max: today() })),
    chips(T.psychProblem, 'psych_problem', YES_NO, { type: 'radio' }),
    chips(T.riskLevel, 'risk_level', Object.entries(RISK_LEVELS), { type: 'radio' }),
    chips(T.interventionSuccess, 'intervention_success', YES_NO, { type: 'radio' }),
    ...field(T.needs, h('textarea', { name: 'needs', rows: 3 })),
    ...field(T.notes, h('textarea', { name: 'notes', rows: 3 })),
    error, h('button', { type: 'submit', class: 'wide' }, T.save));
  const f = notice ? notice.fields : { date: today(), risk_level: mentee && mentee.fields.risk_level };
  const yes = (value) => (value ? 'yes' : 'no');
  const start = { ...f, psych_problem: yes(f.psych_problem), intervention_success: yes(f.intervention_success) };
  await formScreen({
    form, start, seq,
    draftId: notice ? `notice:${notice.id}` : `screening:${menteeId}`,
    title: `${T.newScreening}：${mentee ? `${mentee.fields.code} ${mentee.fields.name || ''}` : ''}`.trim(),
    back: notice ? '#/waiting' : `#/mentee/${menteeId}`,
    top: notice ? alertBox(T.rejectedTitle, T.reason + notice.reason) : null,
    async save(v) {
      if (!v.date) { error.textContent = T.pickDate; return null; }
      await repo.save('screening', notice ? notice.record_id : uuid7(), {
        mentee_id: menteeId, date: v.date, psych_problem: v.psych_problem === 'yes', risk_level: v.risk_level || null,
        intervention_success: v.intervention_success === 'yes', needs: text(v.needs), notes: text(v.notes),
      }, { removeNotice: notice && notice.id });
      return `#/mentee/${menteeId}`;
    },
  });
}
