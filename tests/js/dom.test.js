import { flash, h, show, telLink } from '/app/js/ui/dom.js';
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

test('a tag written p.notice.warn makes the same element as a class attribute, with or without attributes', () => {
  const short = h('p.notice.warn', { role: 'status' }, 'A', null, ['B']);
  const long = h('p', { class: 'notice warn', role: 'status' }, 'A', null, ['B']);
  equal(short.outerHTML, long.outerHTML);
  equal(h('ul.rows', h('li', 'x')).outerHTML, '<ul class="rows"><li>x</li></ul>');
  equal(h('p', 'plain').hasAttribute('class'), false, 'no class given, no empty class attribute');
});

test('a call shows its number in groups of four from the end and dials the digits alone', () => {
  const shown = (number, label) => { const a = telLink(number, label); return [a.textContent, a.getAttribute('href')]; };
  equal(shown('13922697804', '拨打 13922697804'), ['拨打 139 2269 7804', 'tel:13922697804']);
  equal(shown('0513-84651137', '拨打辅导站电话 0513-84651137'), ['拨打辅导站电话 0513 8465 1137', 'tel:051384651137']);
  equal(shown('139 0513 0000', '拨打 139 0513 0000'), ['拨打 139 0513 0000', 'tel:13905130000'], 'grouped already');
  equal(shown('110', '拨打 110'), ['拨打 110', 'tel:110']);
});
