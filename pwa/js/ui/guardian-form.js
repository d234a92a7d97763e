// The guardian's name and contact and the notes on a mentee: the few fields a mentor may
// change; they sync back to the station. Also opens a rejected change of them for fixing.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import { field, h, screen, show } from './dom.js';
import { flash, go, takeFlash } from './nav.js';

export async function render({ menteeId, notice = null, seq = null }) {
  const mentee = repo.get(menteeId);
  const draftId = notice ? `notice:${notice.id}` : `mentee:${menteeId}`;
  const form = h('form', { novalidate: true },
    ...field(T.guardian, h('input', { type: 'text', name: 'guardian_name', autocomplete: 'off' })),
    ...field(T.guardianContact, h('input', { type: 'tel', name: 'guardian_contact', autocomplete: 'off' })),
    ...field(T.notes, h('textarea', { name: 'notes', rows: 4 })),
    h('button', { type: 'submit', class: 'wide' }, T.save));
  const f = { ...(mentee ? mentee.fields : {}), ...(notice ? notice.fields : {}) };
  forms.fillForm(form, { guardian_name: f.guardian_name || '', guardian_contact: f.guardian_contact || '', notes: f.notes || '' });
  const draft = await drafts.loadDraft(draftId);
  if (draft) forms.fillForm(form, draft.values);
  const keep = () => drafts.saveDraft(draftId, forms.readForm(form), { route: location.hash, kind: 'mentee' });
  form.addEventListener('input', keep);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = forms.readForm(form);
    const text = (v) => ((v || '').trim() === '' ? null : v.trim());
    await repo.save('mentee', menteeId, {
      guardian_name: text(values.guardian_name), guardian_contact: text(values.guardian_contact), notes: text(values.notes),
    }, { removeNotice: notice ? notice.id : null });
    await drafts.clearDraft(draftId);
    forms.closed();
    flash(T.saved);
    go(`#/mentee/${menteeId}`);
    if (navigator.onLine) sync.syncNow('save');
  });
  const top = notice ? h('div', { class: 'comment' }, h('strong', {}, T.rejectedTitle), h('p', {}, T.reason + notice.reason)) : null;
  if (show(screen({ title: T.editGuardian, back: () => go(notice ? '#/waiting' : `#/mentee/${menteeId}`) },
    takeFlash(), top, form), seq)) forms.opened(draftId);
}
