// Moving between screens (hash routes, so the phone's back button works) and the one-line
// message shown at the top of the next screen ("已保存…") — never a pop-up.

import { h } from './dom.js';

let renderer = null;
let message = null;

export function setRenderer(fn) {
  renderer = fn;
}

export function rerender() {
  if (renderer) renderer();
}

export function go(hash) {
  if (location.hash === hash || (hash === '#/' && !location.hash)) rerender();
  else location.hash = hash;
}

export function flash(text) {
  message = text;
}

export function takeFlash() {
  const text = message;
  message = null;
  return text ? h('p', { class: 'notice', role: 'status' }, text) : null;
}
