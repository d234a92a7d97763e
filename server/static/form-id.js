// A signed-in page is never cached, so the Back button fetches a new-record form afresh, with a
// fresh record id, and the browser puts back everything typed into it: 保存 again would make a
// second visit or child. Each form keeps the id its history entry was first shown with, so the
// second post names the record already made (pages/writes.create_once answers it as the first).
// A form opened anew is a new history entry, with no ids kept: a new record.
const kept = { ...(history.state && history.state.recordIds) };
for (const input of document.querySelectorAll('form input[name="record_id"]')) {
  // Several forms on one page (a review per row) each have their own: told apart by their target.
  // What a form was shown with — a version (the reviewed visit's, the child's under a screening),
  // the time (the pairing form's shown_at) — changes with the save itself, and would make Back's
  // form another form with a new id: only the other hidden fields name it.
  const key = (input.form.getAttribute('action') || '') + [...input.form.querySelectorAll('input[type="hidden"]')]
    .filter((i) => !['record_id', 'csrf_token', 'shown_at'].includes(i.name) && !/version$/.test(i.name))
    .map((i) => `&${i.name}=${i.value}`).join('');
  if (kept[key]) input.value = kept[key];
  else kept[key] = input.value;
}
if (Object.keys(kept).length) history.replaceState({ ...history.state, recordIds: kept }, '');
