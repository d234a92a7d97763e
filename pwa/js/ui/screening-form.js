import { uuid7 } from '../ids.js';
import { visitDay } from '../queries.js';
import * as repo from '../repo.js';
import { RISK_LEVELS, T } from '../strings.js';
import { currentSession } from '../vault.js';
import { chips, field, h } from './dom.js';
import { formScreen } from './form-screen.js';
import { menteeLabel } from './home.js';

const YES_NO = [['yes', T.yes], ['no', T.no]],
  text = v => (v || '').trim() || null,
  radios = (label, name, options) => chips(label, name, options, { type: 'radio' });

export async function render({ menteeId, notice = null, seq = null }) {
  const mentee = repo.get(menteeId),
    // Dated as a visit is (visit-form.js): by the server's day when the last sync found the phone's clock wrong,
    // with no upper limit from that clock (a phone at 2001 could not pick today, and 2001 would be taken).
    { clockWrong } = currentSession(),
    now = visitDay(clockWrong),
    form = h('form', { novalidate: true },
      field(T.date, h('input', { type: 'date', name: 'date', max: !clockWrong && now })),
      radios(T.psychProblem, 'psych_problem', YES_NO),
      radios(T.riskLevel, 'risk_level', Object.entries(RISK_LEVELS)),
      radios(T.interventionSuccess, 'intervention_success', YES_NO),
      field(T.needs, h('textarea', { name: 'needs', rows: 3 })),
      field(T.notes, h('textarea', { name: 'notes', rows: 3 }))),
    f = notice ? notice.fields : { date: now, risk_level: mentee?.fields.risk_level },
    yes = value => (value ? 'yes' : 'no');
  await formScreen({
    form, notice, seq, draftId: `screening:${menteeId}`, back: `#/mentee/${menteeId}`,
    start: { ...f, psych_problem: yes(f.psych_problem), intervention_success: yes(f.intervention_success) },
    title: [T.screening, mentee && ['：', menteeLabel(mentee)]],
    async save(v, say, o) {
      if (!v.date) return say(T.pickDate);
      await repo.save('screening', notice ? notice.record_id : uuid7(), {
        mentee_id: menteeId, date: v.date, psych_problem: v.psych_problem == 'yes', risk_level: v.risk_level || null,
        intervention_success: v.intervention_success == 'yes', needs: text(v.needs), notes: text(v.notes),
      }, { removeNotice: notice?.id, ...o });
      return `#/mentee/${menteeId}`;
    },
  });
}
