let open = null,
  follow = null;
const listeners = new Set();

export const opened = id => { open = id; },
  isOpen = () => open !== null,
  onClose = listener => listeners.add(listener),
  // The open form's one way to hear of records a sync changed; the form itself is never redrawn.
  whileOpen = fn => { follow = fn; },
  recordsChanged = () => follow?.();

export function closed() {
  open = null;
  follow = null;
  for (const listener of listeners) listener();
}

export function readForm(form) {
  const values = {};
  for (const el of form.elements) {
    const { name, type } = el;
    if (!name || el.disabled || el.tagName == 'BUTTON') continue;
    if (type == 'checkbox' && 'bool' in el.dataset) values[name] = el.checked;
    else if (type == 'checkbox') values[name] = (values[name] || []).concat(el.checked ? [el.value] : []);
    else if (type == 'radio') values[name] = el.checked ? el.value : values[name] ?? null;
    else values[name] = el.value;
  }
  return values;
}

export function fillForm(form, values) {
  for (const el of form.elements) {
    const { name, type } = el;
    if (!name || !(name in values) || el.tagName == 'BUTTON') continue;
    const value = values[name];
    if (type == 'checkbox' && 'bool' in el.dataset) el.checked = !!value;
    else if (type == 'checkbox') el.checked = Array.isArray(value) && value.includes(el.value);
    else if (type == 'radio') el.checked = value === el.value;
    else el.value = value ?? '';
  }
}
