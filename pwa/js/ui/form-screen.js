// What every form screen shares: its draft (restored on open, saved on every `input` event —
// never key events, which would break IME composition and voice input — and cleared on
// save), 清空重填, and telling the app a form is open so an update waits for it.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import { confirmButton, h, screen, show } from './dom.js';
import { flash, go, rerender } from './nav.js';

/** The reason a change was rejected (or the station's comment), on top of a form. */
export function alertBox(title, ...lines) {
  return h('div', { class: 'comment' }, h('strong', {}, title), lines.map((line) => h('p', {}, line)));
}

/**
 * Show `form` filled with `start` (then the draft). `save(values)` stores the change and
 * returns the route to go to, or null to stay (it showed what is missing).
 */
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
  if (show(screen({ title, back: () => go(back) }, restored, top, form, clear), seq)) {
    forms.opened(draftId);
  }
  return keep;
}
