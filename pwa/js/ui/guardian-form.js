import * as repo from '../repo.js';
import { T } from '../strings.js';
import { field, h } from './dom.js';
import { formScreen } from './form-screen.js';

const NAMES = ['guardian_name', 'guardian_contact', 'notes'],
  each = fn => Object.fromEntries(NAMES.map(n => [n, fn(n)]));

export async function render({ menteeId, notice = null, seq = null }) {
  const f = { ...repo.get(menteeId)?.fields, ...notice?.fields },
    form = h('form', { novalidate: true },
      field(T.guardian, h('input', { type: 'text', name: 'guardian_name', autocomplete: 'off' })),
      field(T.guardianContact, h('input', { type: 'tel', name: 'guardian_contact', autocomplete: 'off' })),
      field(T.notes, h('textarea', { name: 'notes', rows: 4 })));
  await formScreen({
    form, notice, seq, edits: true, version: repo.get(menteeId)?.version ?? null,
    title: T.editGuardian, draftId: `mentee:${menteeId}`, back: `#/mentee/${menteeId}`,
    start: each(n => f[n] || ''),
    async save(v, say, o) {
      const fields = each(n => (v[n] || '').trim() || null);
      await repo.save('mentee', menteeId, fields, { removeNotice: notice?.id, ...o });
      return `#/mentee/${menteeId}`;
    },
  });
}
