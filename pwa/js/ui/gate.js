// The screens before the app opens: WeChat's in-app browser, enrolment, setting a PIN,
// unlocking, a forgotten PIN, and a phone that was revoked or must enrol again.

import * as api from '../api.js';
import { T } from '../strings.js';
import * as vault from '../vault.js';
import { confirmButton, field, h, screen, show } from './dom.js';
import { shortId } from './settings.js';

const bare = (title, ...content) => screen({ title, tabs: false }, ...content);

function digits(text) {
  // People read codes in groups and type full-width digits with a Chinese keyboard.
  return text.normalize('NFKC').replace(/[\s-]/g, '');
}

function pinInput() {
  return h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 6, pattern: '[0-9]*' });
}

export function wechat(goOn) {
  show(bare(T.wechatTitle,
    h('img', { class: 'picture', src: 'img/wechat-open.svg', alt: T.wechatPicture, width: 320, height: 260 }),
    h('p', { class: 'lead' }, T.wechatSay),
    h('button', { type: 'button', class: 'wide secondary', onclick: goOn }, T.wechatGoOn)));
}

/** Enrol with a code (typed, or from the station's link /app/?code=…); then set the PIN. */
export function enrol({ code = '', done }) {
  const input = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', value: code });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'wide' }, T.enrol);
  const form = h('form', { novalidate: true }, ...field(T.code, input), error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = digits(input.value);
    if (!/^[0-9]{8}$/.test(value)) { error.textContent = T.codeFormat; return; }
    error.textContent = '';
    button.disabled = true;
    button.textContent = T.enrolling;
    try {
      const enrolment = await api.enrol(value, T.deviceName);
      history.replaceState(null, '', location.pathname + location.hash); // the code is used up
      setPin({ title: T.setPinTitle, say: T.setPinSay, save: (pin) => vault.create(enrolment, pin), done });
    } catch (e) {
      error.textContent = e instanceof api.OfflineError ? T.enrolNeedsNetwork : e.message;
      button.disabled = false;
      button.textContent = T.enrol;
    }
  });
  show(bare(T.enrolTitle, h('p', {}, code ? T.enrolLinkSay : T.enrolSay), form));
}

/** 设置PIN码 + 再次输入PIN码 + 确定; `save(pin)` stores it. */
export function setPin({ title, say, save, done }) {
  const first = pinInput();
  const second = pinInput();
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'wide' }, T.ok);
  const form = h('form', { novalidate: true }, ...field(T.pin1, first), ...field(T.pin2, second), error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pin = digits(first.value);
    if (!/^[0-9]{4,6}$/.test(pin)) { error.textContent = T.pinFormat; return; }
    if (pin !== digits(second.value)) { error.textContent = T.pinMismatch; second.value = ''; return; }
    button.disabled = true;
    button.textContent = T.settingUp;
    await save(pin);
    await done();
  });
  show(bare(title, h('p', {}, say), form));
}

/** PIN码 + 解锁, slowed down after wrong tries; 忘记PIN码 leads to the recovery. */
export async function unlock({ done, forgot }) {
  const input = pinInput();
  const error = h('p', { class: 'error', role: 'alert' });
  const advice = h('p', { class: 'notice warn', role: 'status' });
  const button = h('button', { type: 'submit', class: 'wide' }, T.unlock);
  let timer = null;
  // The countdown reads the clock each second (timers are throttled on a sleeping phone).
  const waitFor = (seconds, fails) => {
    clearInterval(timer);
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      error.textContent = T.wrongPin + (left > 0 ? T.waitSeconds(left) : '');
      button.disabled = left > 0;
      if (left <= 0) clearInterval(timer);
    };
    tick();
    if (seconds > 0) timer = setInterval(tick, 1000);
    advice.textContent = fails >= vault.PIN_WARN_AFTER ? T.tooManyPins(fails) : '';
  };
  const form = h('form', { novalidate: true }, ...field(T.pin, input), error, advice, button,
    h('button', { type: 'button', class: 'wide secondary', onclick: () => { clearInterval(timer); forgot(); } },
      T.forgotPin));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pin = digits(input.value);
    if (!pin) return;
    button.disabled = true;
    button.textContent = T.unlocking;
    const result = await vault.unlock(pin);
    button.textContent = T.unlock;
    if (result.ok) { clearInterval(timer); await done(); return; }
    input.value = '';
    waitFor(result.wait, result.fails);
  });
  show(bare(T.unlockTitle, form));
  const status = await vault.pinStatus();
  if (status.fails > 0) waitFor(Math.max(0, Math.ceil((status.waitUntil - Date.now()) / 1000)), status.fails);
  input.focus();
}

/** 忘记PIN码: a recovery code from the station releases this phone's recovery key. */
export async function forgotPin({ done, back }) {
  const info = await vault.device();
  const input = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'wide' }, T.recover);
  const form = h('form', { novalidate: true }, ...field(T.recoveryCode, input), error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = digits(input.value);
    if (!/^[0-9]{8}$/.test(code)) { error.textContent = T.recoveryCodeFormat; return; }
    button.disabled = true;
    button.textContent = T.recovering;
    try {
      const answer = await api.recover(info.recoveryToken, code);
      await vault.recover(answer.recovery_key);
      setPin({ title: T.newPinTitle, say: T.setPinSay, save: (pin) => vault.setPin(pin), done });
    } catch (e) {
      error.textContent = e instanceof api.OfflineError ? T.recoverNeedsNetwork : e.message;
      button.disabled = false;
      button.textContent = T.recover;
    }
  });
  show(screen({ title: T.recoverTitle, tabs: false, back }, h('p', {}, T.recoverSay(shortId(info.deviceId))), form));
}

/** A revoked phone (or one whose enrolment is no longer valid): export, then wipe. */
export function stopped({ revoked, reason, unsent, exportNow, wipe }) {
  const exportedNote = h('p', { class: 'notice', role: 'status' });
  show(bare(revoked ? T.revokedTitle : T.reenrolTitle,
    h('p', { class: 'notice warn' }, reason),
    h('p', {}, T.revokedSay(unsent)),
    unsent > 0 ? h('button', { type: 'button', class: 'wide', onclick: async () => {
      exportedNote.textContent = T.exported(await exportNow());
    } }, T.exportUnsent) : null,
    exportedNote,
    confirmButton(T.wipe, T.wipeConfirm, wipe, { class: 'wide danger' })));
}
