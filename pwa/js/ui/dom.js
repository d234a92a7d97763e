// Building DOM without innerHTML: every text goes in as a text node, so nothing a person
// typed (or the server sent) is ever parsed as markup.

import { T } from '../strings.js';

/**
 * h('button', {class: 'wide', onclick: fn, 'aria-label': '…'}, 'text', child, …).
 * Attributes starting with "on" become listeners; true/false toggle boolean attributes;
 * null and undefined are skipped, as are null, false and undefined children.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'value') el.value = value;
    else if (name === 'checked') el.checked = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let uid = 0;
export const newId = (prefix = 'f') => `${prefix}${++uid}`;

/** A labelled field: <label for>…</label> + the control. */
export function field(label, control, hint = null) {
  if (!control.id) control.id = newId();
  const hintEl = hint ? h('p', { class: 'hint', id: control.id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return [h('label', { for: control.id }, label), hintEl, control].filter(Boolean);
}

/** Chips (checkboxes, radios, or one yes/no box with `bool`) under an optional legend. */
export function chips(legend, name, options, { type = 'checkbox', selected = [], bool = false } = {}) {
  const chosen = new Set(Array.isArray(selected) ? selected : [selected]);
  return h('fieldset', {}, legend ? h('legend', {}, legend) : null,
    h('div', { class: 'chips' }, options.map(([value, label]) => h('label', { class: 'chip' },
      h('input', { type, name, value, checked: chosen.has(value), 'data-bool': bool }), h('span', {}, label)))));
}

let unsent = () => 0;

/** How many changes wait to be sent, shown on the 待同步 tab of every screen. */
export function countUnsent(fn) {
  unsent = fn;
}

/** One screen: a top bar (title, optional back button), the three tabs, the content. */
export function screen({ title, back = null, tab = null, tabs = true }, ...content) {
  const bar = h('header', { class: 'bar' },
    back ? h('button', { type: 'button', class: 'back', onclick: back }, '‹ ' + T.back) : null,
    h('h1', {}, title));
  const nav = tabs
    ? h('nav', { class: 'tabs', 'aria-label': T.mainPages },
      [['#/', T.home, 'home'], ['#/waiting', T.waiting + (unsent() ? ` ↑${unsent()}` : ''), 'waiting'],
        ['#/settings', T.settings, 'settings']].map(
        ([href, label, key]) => h('a', { href, 'aria-current': tab === key ? 'page' : null }, label)))
    : null;
  return [bar, nav, h('main', { class: 'screen' }, content)];
}

let cleanups = [];

/** Run `fn` when the current screen is replaced (unsubscribe listeners). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

let shownRoute = null;
let message = null;

/** A line for the top of the next screen shown ("已保存…") — never a pop-up. */
export function flash(text) {
  message = text;
}

let latest = 0;

/** A number for the render about to start; a slower, older render then cannot show over it. */
export function nextRender() {
  latest += 1;
  return latest;
}

/**
 * Replace the whole app view. A new screen starts at the top with focus (and the screen
 * reader) on its title; the same screen redrawn with fresh data keeps its scroll position.
 */
export function show(nodes, seq = null) {
  if (seq !== null && seq !== latest) return false; // a newer screen was asked for meanwhile
  const previous = cleanups;
  cleanups = [];
  for (const fn of previous) fn();
  const root = document.getElementById('app');
  const children = nodes.flat(Infinity).filter(Boolean);
  // App screens carry the tabs; the screens before unlocking (enrol, PIN) do not.
  const kind = children.some((n) => n.classList && n.classList.contains('tabs')) ? 'app' : 'gate';
  const same = kind === 'app' && root.dataset.screen === 'app' && shownRoute === location.hash;
  const scroll = window.scrollY;
  const main = children.find((n) => n.tagName === 'MAIN');
  if (message && main) {
    main.prepend(h('p', { class: 'notice', role: 'status' }, message));
    message = null;
  }
  root.replaceChildren(...children);
  root.dataset.screen = kind;
  shownRoute = location.hash;
  if (same) {
    window.scrollTo(0, scroll);
    return true;
  }
  window.scrollTo(0, 0);
  const heading = root.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  return true;
}


/** A button that asks for a second tap instead of a pop-up confirm(). */
export function confirmButton(label, confirmLabel, action, attrs = {}) {
  let armed = false;
  const button = h('button', {
    type: 'button', ...attrs,
    onclick: async () => {
      if (!armed) {
        armed = true;
        button.textContent = confirmLabel;
        return;
      }
      button.disabled = true;
      try { await action(); } finally { button.disabled = false; }
    },
  }, label);
  return button;
}
