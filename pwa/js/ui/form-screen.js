// `input` events, never key events: those break IME composition and voice input.

import * as drafts from '../drafts.js';
import * as forms from '../forms.js';
import * as repo from '../repo.js';
import { T } from '../strings.js';
import * as sync from '../sync.js';
import * as vault from '../vault.js';
import { confirmButton, flash, go, h, reflash, rerender, screen, show } from './dom.js';

export const alertBox = (title, ...lines) =>
  h('div.comment', h('strong', title), lines.map(line => h('p', line)));

// `save(values, say, o)` returns the route to go to, or `say(what is missing)` to stay; `o` ({since, draft})
// goes to repo.save. `edits`: the form changes a record the station may change too while a draft waits;
// `version` is that record's as the form opens. A new record's draft comes back whole: its date is the day
// the volunteer began writing, which only she can move.
export async function formScreen({
  form, notice, draftId, title, back, start, save, top = null, seq = null, edits = false, version = null,
}) {
  if (notice) {
    [draftId, back, top] = [`notice:${notice.id}`, '#/waiting', alertBox(T.rejectedTitle, T.reason + notice.reason)];
  }
  // The form's own page: a form taken down by a tap elsewhere saves as it goes, at the next page's hash.
  const route = location.hash,
    restored = h('p.notice', { role: 'status' }),
    error = h('p.error', { role: 'alert' }),
    say = text => { error.textContent = text; return null; },
    submit = h('button.wide', { type: 'submit' }, T.save);
  form.append(error, submit);
  forms.fillForm(form, start);
  const blank = forms.readForm(form),
    draft = await drafts.loadDraft(draftId);
  if (draft) {
    forms.fillForm(form, edits || notice ? drafts.changedValues(draft) : draft.values);
    restored.textContent = T.draftRestored;
  }
  // Shown above the form only while the phone refuses the draft (a full phone), from the start when the
  // words came back from memory (a lock while the phone was full).
  const unsaved = h('p.notice.warn', { role: 'alert' }, T.draftNotSaved),
    // The version the volunteer's words began from, kept with the draft: saved against it, a field the
    // station changed meanwhile that she changed too is a conflict on the server, not an overwrite.
    since = edits && !notice ? (draft?.since ?? version) : null,
    keep = () => drafts.saveDraft(draftId, forms.readForm(form), { route, since }, blank)
      .then(saved => (saved ? unsaved.remove() : form.isConnected && form.before(unsaved)));
  form.oninput = form.onchange = keep;
  form.onsubmit = async e => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const queued = new Set(repo.pending().map(e => e.mutation_id));
      let target;
      try {
        target = await save(forms.readForm(form), say, { since, draft: draftId });
      } catch (error) {
        // Nothing was written (one transaction): the words stay on the form for another try.
        console.error('not saved', error);
        return say(repo.full(error) ? T.saveFailedFull : T.saveFailed);
      }
      if (target === null) return;
      const mine = repo.pending().map(e => e.mutation_id).filter(id => !queued.has(id));
      // Saved already: a draft that will not go must not keep the form open for a second save.
      await drafts.clearDraft(draftId).catch(error => console.error('draft not cleared', error));
      forms.closed();
      flash(T.saved);
      go(target);
      sync.deliver(mine).then(got => got && reflash(T.saved, T.delivered(got)));
    } finally {
      submit.disabled = false;
    }
  };
  const clear = confirmButton(T.clearDraft, T.clearDraftConfirm, async () => {
    await drafts.clearDraft(draftId);
    forms.closed();
    rerender();
  }, 'secondary wide');
  // A date field defaults to the phone's today: say so when the phone's clock is known to be wrong.
  const { clockWrong } = vault.currentSession(),
    clock = clockWrong && form.querySelector('input[type=date]')
      && h('p.notice.warn', { role: 'status' }, '⚠ ' + T.clockWrong(clockWrong)),
    shown = screen({ title, back: () => go(back) }, restored, top, clock, draft?.unsaved && unsaved, form, clear);
  if (show(shown, seq)) forms.opened(draftId);
  return keep;
}
