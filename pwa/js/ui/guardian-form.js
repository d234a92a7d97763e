// The guardian's name and contact and the notes on a mentee: the few fields a mentor may
// change; they sync back to the station. Also a rejected change of them, opened for fixing.

import * as repo from '../repo.js';
import { T } from '../strings.js';
import { field, h } from './dom.js';
import { alertBox, formScreen } from './form-screen.js';

const NAMES = ['guardian_name', 'guardian_contact', 'notes'];

export async function render({ menteeId, notice = null, seq = null }) {
  const f = { ...(repo.get(menteeId) || {}).fields, ...(notice && notice.fields) };
  const form = h('form', { novalidate: true },
    ...field(T.guardian, h('input', { type: 'text', name: 'guardian_name', autocomplete: 'off' })),
    ...field(T.guardianContact, h('input', { type: 'tel', name: 'guardian_contact', autocomplete: 'off' })),
    ...field(T.notes, h('textarea', { name: 'notes', rows: 4 })),
    h('button', { type: 'submit', class: 'wide' }, T.save));
  await formScreen({
    form, seq, title: T.editGuardian,
    start: Object.fromEntries(NAMES.map((n) => [n, f[n] || ''])),
    draftId: notice ? `notice:${notice.id}` : `mentee:${menteeId}`,
    back: notice ? '#/waiting' : `#/mentee/${menteeId}`,
    top: notice ? alertBox(T.rejectedTitle, T.reason + notice.reason) : null,
    async save(v) {
      await repo.save('mentee', menteeId, Object.fromEntries(NAMES.map((n) => [n, (v[n] || '').trim() || null])),
        { removeNotice: notice && notice.id });
      return `#/mentee/${menteeId}`;
    },
  });
}
