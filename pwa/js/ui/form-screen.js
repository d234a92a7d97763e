// Drafts are saved on `input` events, never key events, which break IME composition and
// voice input. An open form makes an app update wait.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import { confirmButton, flash, go, h, rerender, screen, show } from './dom.js';

export const alertBox = (title, ...lines) =>
  h('div', { class: 'comment' }, h('strong', {}, title), lines.map((line) => h('p', {}, line)));

// `save(values)` returns the route to go to, or null to stay (it said what is missing).
export async function formScreen({ form, draftId, title, back, start, save, top = null, seq = null }) {
  const restored = h('p', { class: 'notice', role: 'status' });
  forms.fillForm(form, start);
  const draft = await drafts.loadDraft(draftId);
  if (draft) {
    forms.fillForm(form, draft.values);
    restored.textContent = T.draftRestored;
  }
  const keep = () => drafts.saveDraft(draftId, forms.readForm(form), { route: location.hash });
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    try {
      const target = await save(forms.readForm(form));
      if (target === null) return;
      await drafts.clearDraft(draftId);
      forms.closed();
      flash(T.saved);
      go(target);
      if (navigator.onLine) sync.syncNow('save');
    } finally {
      button.disabled = false;
    }
  });
  const clear = confirmButton(T.clearDraft, T.clearDraftConfirm, async () => {
    await drafts.clearDraft(draftId);
    forms.closed();
    rerender();
  }, { class: 'secondary wide' });
  if (show(screen({ title, back: () => go(back) }, restored, top, form, clear), seq)) forms.opened(draftId);
  return keep;
}
