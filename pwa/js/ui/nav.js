// Moving between screens: hash routes, so the phone's back button works.

export { flash } from './dom.js';

let renderer = null;

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
