import * as forms from '/app/js/forms.js';
import { chips, h } from '/app/js/ui/dom.js';
import { equal, test } from './harness.js';

function sample() {
  return h('form', {},
    h('input', { name: 'record', value: '' }),
    chips('情绪', 'moods', [['平静', '平静'], ['开心', '开心'], ['低落', '低落']]),
    chips('方式', 'kind', [['home_visit', '上门家访'], ['talk', '面对面谈心']], { type: 'radio' }),
    h('input', { type: 'checkbox', name: 'risk_flag', 'data-bool': true }),
    h('textarea', { name: 'follow_up' }));
}

test('reading a form gives text, lists of ticked chips, the chosen radio and booleans', () => {
  const form = sample();
  form.elements.record.value = '聊了学校的事';
  form.querySelector('input[value="开心"]').checked = true;
  form.querySelector('input[value="talk"]').checked = true;
  equal(forms.readForm(form), { record: '聊了学校的事', moods: ['开心'], kind: 'talk', risk_flag: false, follow_up: '' });
});

test('filling a form from values and reading it back gives the same values', () => {
  const values = { record: '第二次家访', moods: ['平静', '低落'], kind: 'home_visit', risk_flag: true, follow_up: '下周电话' };
  const form = sample();
  forms.fillForm(form, values);
  equal(forms.readForm(form), values);
});

test('an open form is known until it closes, and closing tells the listeners', () => {
  let told = 0;
  forms.onClose(() => { told += 1; });
  forms.opened('activity:new');
  equal(forms.isOpen(), true);
  forms.closed();
  equal([forms.isOpen(), told], [false, 1]);
});
