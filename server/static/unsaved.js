// Station staff type long notes into these forms; a stray tap on the menu, 退出登录 or Back threw
// them away unasked. A form the person has typed into makes leaving the page ask first (the
// browser's own prompt), unless that very form is being sent. Only input and change events mark a
// form: the person makes them, a script setting a value (form-id.js) does not, nor a hidden field.
// A filter that only GETs a list is not worth a prompt.
const dirty = new Set();
let sending = null;

// A form asking for a password (signing in, choosing one) holds nothing worth keeping: retyped in seconds.
// Nor a list's search (role="search"), which posts only to keep a child's name out of the address.
function mark(event) {
  const form = event.target.form;
  if (form && form.method === 'post' && event.target.type !== 'hidden' && form.getAttribute('role') !== 'search'
      && !form.querySelector('input[type="password"]')) dirty.add(form);
}
// A form shown again with the words typed into it (a refusal, the pickers' 查找 by way of its
// ?draft=, a draft kept when a session ran out) holds words not yet saved, though the person has
// changed nothing since it came. Only a form posting back here with written notes counts: a failed
// sign-in, shown again with its user name, is not worth a prompt.
const typed = (field) => field.type === 'textarea' && field.value.trim();
// The attribute, not form.action: a form with a control named action (a return's 保存草稿 and 上报,
// an account's buttons) answers form.action with that control, and new URL() of it threw.
const path = (form) => new URL(form.getAttribute('action') || '', location.href).pathname;
if ('shownAgain' in document.body.dataset) {
  for (const form of document.forms) {
    if (form.method === 'post' && path(form) === location.pathname
        && [...form.elements].some(typed)) dirty.add(form);
  }
}

addEventListener('input', mark);
addEventListener('change', mark);

// 保存 and the pickers' 查找 post the typed form itself; 退出登录 is a form of its own, so it asks.
addEventListener('submit', (event) => { sending = event.target; });

addEventListener('beforeunload', (event) => {
  const going = sending;
  sending = null;
  if ([...dirty].some((form) => form !== going && form.isConnected)) {
    event.preventDefault();
    event.returnValue = true; // Chromium before 119 asks only when this is set
  } else if (going) dirty.delete(going);
});
