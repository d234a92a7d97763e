// Which form is open, if any: an app update waits while one is (STYLE §6.10), and reading
// and filling a form's values for drafts.

let open = null;
const listeners = new Set();

export function opened(id) {
  open = id;
}

export function closed() {
  open = null;
  for (const listener of listeners) listener();
}

export const isOpen = () => open !== null;
export const onClose = (listener) => listeners.add(listener);

/**
 * A form's values by name: checkboxes marked data-bool are booleans, other checkboxes with
 * the same name a list of the ticked values, radios the chosen value, the rest their text.
 */
export function readForm(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox' && 'bool' in el.dataset) values[el.name] = el.checked;
    else if (el.type === 'checkbox') {
      values[el.name] = values[el.name] || [];
      if (el.checked) values[el.name].push(el.value);
    } else if (el.type === 'radio') {
      if (!(el.name in values)) values[el.name] = null;
      if (el.checked) values[el.name] = el.value;
    } else if (el.tagName !== 'BUTTON') values[el.name] = el.value;
  }
  return values;
}

export function fillForm(form, values) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in values)) continue;
    const value = values[el.name];
    if (el.type === 'checkbox' && 'bool' in el.dataset) el.checked = Boolean(value);
    else if (el.type === 'checkbox') el.checked = Array.isArray(value) && value.includes(el.value);
    else if (el.type === 'radio') el.checked = value === el.value;
    else if (el.tagName !== 'BUTTON') el.value = value === null || value === undefined ? '' : String(value);
  }
}
