// No innerHTML: nothing typed or sent is ever parsed as markup.

import { T } from '../strings.js';

// null, undefined and false stand for nothing, as an attribute's value or a child.
const nothing = value => value == null || value === false;

export function h(tag, attrs = {}, ...children) {
  if (attrs?.constructor !== Object) [attrs, children] = [{}, [attrs, ...children]];
  // h('p.notice.warn') is <p class="notice warn">: shorter than a class attribute at every call.
  const [name, ...classes] = tag.split('.'),
    el = document.createElement(name);
  if (classes[0]) el.className = classes.join(' ');
  for (const [name, value] of Object.entries(attrs)) {
    if (nothing(value)) continue;
    if (name.startsWith('on') && typeof value == 'function') el.addEventListener(name.slice(2), value);
    else if (name == 'value') el.value = value;
    else if (name == 'checked') el.checked = true;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) if (!nothing(child)) el.append(child);
  return el;
}

let uid = 0;

export function field(label, control) {
  control.id ||= `f${++uid}`;
  return [h('label', { for: control.id }, label), control];
}

export function chips(legend, name, options, { type = 'checkbox', selected = [], bool = false } = {}) {
  const chosen = [selected].flat();
  return h('fieldset', legend && h('legend', legend),
    h('div.chips', options.map(([value, label]) => h('label.chip',
      h('input', { type, name, value, checked: chosen.includes(value), 'data-bool': bool }), h('span', label)))));
}

// One declaration for the helpers below: each `export const` more is 14 bytes of the first load.
export const row = (attrs, title, ...lines) => h('li', h(attrs.href ? 'a' : 'div', { class: 'row', ...attrs },
    h('strong', title), lines.map(l => (!l || l instanceof Node ? l : h('span.meta', l))))),
  facts = pairs => h('dl.fields',
    pairs.filter(([, v]) => v).map(([label, value]) => [label && h('dt', label), h('dd', value)])),
  tag = (kind, text) => h('span.tag.' + kind, text),
  // At 特大 a line holds nine characters. A phrase (a child's code, 关注等级：关注) moves to the next line
  // whole, and breaks inside only when longer than a line.
  phrase = text => h('span.phrase', text),
  // Phrases with · between them; the dot ends a line, never starts one (a no-break space before it).
  DOT = '\u00a0·',
  listed = (...parts) => parts.filter(Boolean)
    .flatMap((part, i, all) => (i < all.length - 1 ? [phrase([part, DOT]), ' '] : [phrase(part)])),
  // A count keeps the title's last word with it (two characters in every title here): 辅导站退回的 /
  // 记录（1）, never a （1） alone on a line.
  withCount = (title, n) =>
    [title.slice(0, -2), h('span.nowrap', `${title.slice(-2)}（${n}）`)],
  rows = (items, otherwise) => (items.length ? h('ul.rows', items) : otherwise),
  button = (label, onclick, cls = 'wide secondary') =>
    h('button', { type: 'button', class: cls, onclick }, label),
  link = (href, label, cls = 'button wide') => h('a', { class: cls, href }, label),
  // A number is shown in groups of four from its end, as it is read (139 2269 7804, 0513 8465 1137): at 特大
  // and 200 % eleven digits were wider than the button and crossed its border. The groups wrap whole at their
  // spaces; a hyphen is one too, since a line must not end at one (0513- / 84651137) nor fit 0513-8465.
  telLink = (number, label, cls) => link('tel:' + number.replace(/[^0-9+]/g, ''),
    label.replace(/-/g, ' ').replace(/\d(?=(\d{4})+\b)/g, '$& '), cls);

let unsent = () => 0,
  conflicts = () => 0,
  tally; // the 待同步 tab's counts

export const countUnsent = (fn, conflictCount) => { unsent = fn; conflicts = conflictCount; },

  // At each change (main.js), as the sync card beside it is: counted only when the screen was redrawn,
  // 150 ms later, the tab said 待同步 ↑1 next to the card's ✓ 已全部同步 in between. The counts run together,
  // ↑1⚠1: at 特大 on a 360 px phone a space between them pushed 设置 onto a second row.
  recount = () => tally && (tally.textContent = [unsent(), conflicts()]
    .map((n, i) => (n ? '↑⚠'[i] + n : '')).join(''));

export function screen({ title, back, tab, tabs = true }, ...content) {
  tally = h('span.nowrap');
  recount();
  // One inline box in the flex tab, so 待同步 and its counts wrap as text, between them only.
  const waiting = h('span', T.waiting, ' ', tally);
  return [
    h('header.bar', back && button('‹ ' + T.back, back, 'back'), h('h1', title)),
    tabs && h('nav.tabs', { 'aria-label': T.mainPages },
      [['', T.home], ['waiting', waiting], ['settings', T.settings]].map(([key, label]) =>
        h('a', { href: '#/' + key, 'aria-current': tab === (key || 'home') && 'page' }, label))),
    h('main.screen', content),
  ];
}

let cleanups = [],
  shownRoute = null,
  message = null,
  kept, // while its screen redraws
  latest = 0,
  renderer = null;

export const onCleanup = (...fns) => cleanups.push(...fns),

  flash = text => { message = text; };

// News for a flashed notice while it is still on screen (a save that synced at once).
export function reflash(was, text) {
  if (message === was) message = text;
  if (kept !== was) return;
  kept = text;
  for (const p of document.querySelectorAll('main > p.notice')) if (p.textContent === was) p.textContent = text;
}

export const nextRender = () => ++latest;

export function show(nodes, seq = null) {
  const children = nodes.flat(Infinity).filter(Boolean),
    app = children.some(n => n.tagName == 'NAV'),
    same = app && shownRoute === location.hash;
  // Not when a newer screen was asked for meanwhile. Nor is the app's screen drawn again while a finger
  // presses on it: the release would land on the new copy of the link and no click follow (a tap lost to
  // a change a sync brought, main.js); it is drawn once the press is let go. A PIN screen never waits.
  if (seq !== null && seq !== latest
    || same && document.querySelector(':active') && setTimeout(rerender, 99)) return false;
  for (const fn of cleanups.splice(0)) fn();
  const root = document.getElementById('app'),
    scroll = scrollY,
    main = children.find(n => n.tagName == 'MAIN'),
    text = message || same && kept;
  if (text && main) main.prepend(h('p.notice', { role: 'status' }, text));
  if (main) [kept, message] = [text, null];
  root.replaceChildren(...children);
  shownRoute = app && location.hash;
  scrollTo(0, same ? scroll : 0);
  const heading = !same && root.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  return true;
}

// Asks again at the first tap (main.js takes a double tap as one tap: its second is not the second asked for).
export function confirmButton(label, confirmLabel, action, cls) {
  let armed = false;
  const el = button(label, async () => {
    if (!armed) {
      armed = true;
      el.textContent = confirmLabel;
      return;
    }
    el.disabled = true;
    try { await action(); } finally { el.disabled = false; }
  }, cls);
  return el;
}

export const setRenderer = fn => { renderer = fn; },
  rerender = () => renderer?.();

export function go(hash) {
  if (location.hash === hash || (hash == '#/' && !location.hash)) rerender();
  else location.hash = hash;
}
