import { confirmButton, flash, h, show } from '/app/js/ui/dom.js';
import { equal, test } from './harness.js';

const screenAt = (hash, text) => {
  location.hash = hash;
  return [h('nav', {}, ''), h('main', {}, h('p', text))];
};
const notices = () => [...document.querySelectorAll('#app .notice')].map((n) => n.textContent);

test('a message stays while its screen is refreshed and goes with the next screen', () => {
  show(screenAt('#/settings', '设置'));
  flash('已导出 1 条');
  show(screenAt('#/settings', '设置'));
  equal(notices(), ['已导出 1 条']);
  show(screenAt('#/settings', '设置')); // a sync or a timer redraws the same screen
  equal(notices(), ['已导出 1 条']);
  show(screenAt('#/waiting', '待同步'));
  equal(notices(), []);
  show(screenAt('#/settings', '设置'));
  equal(notices(), []);
  location.hash = '';
});

test('a double tap on a button that asks again is one tap: the question stays, nothing is thrown away', async () => {
  let done = 0;
  const el = confirmButton('清空重填', '再点一次，清空这张表', () => { done += 1; });
  // A phone's double tap is two clicks, the second counting 2 (what Chromium sends for two quick taps).
  const tap = (taps) => el.dispatchEvent(new MouseEvent('click', { detail: taps }));
  tap(1);
  tap(2);
  await Promise.resolve();
  equal([done, el.textContent], [0, '再点一次，清空这张表']);
  tap(1); // the second tap asked for, after reading the question
  await Promise.resolve();
  equal(done, 1);
});
