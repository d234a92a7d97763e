import * as api from '../api.js';
import { T } from '../strings.js';
import * as vault from '../vault.js';
import { button, confirmButton, field, h, screen, show, telLink } from './dom.js';
import { shortId } from './settings.js';

const bare = (title, ...content) => show(screen({ title, tabs: false }, ...content)),

  // People read codes in groups and type full-width digits with a Chinese keyboard.
  digits = text => text.normalize('NFKC').replace(/[\s-]/g, ''),
  eightDigits = text => /^[0-9]{8}$/.test(text),

  numberInput = attrs => h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', ...attrs }),
  pinInput = () => numberInput({ type: 'password', maxlength: 6, pattern: '[0-9]*' });

// `run(shown)`: `shown()` says whether this form is still on the page. An answer that comes after another
// tab took the app (在这里使用) must draw nothing and write nothing: a PIN set there would enrol over the
// enrolment that tab made, and its visits would be sealed with a key the phone no longer holds.
function gateForm(label, busy, content, run) {
  const error = h('p.error', { role: 'alert' }),
    submit = h('button.wide', { type: 'submit' }, label),
    form = h('form', {
      novalidate: true,
      async onsubmit(e) {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        submit.textContent = busy;
        try {
          error.textContent = (await run(() => form.isConnected)) || '';
        } catch (e) {
          error.textContent = e instanceof api.OfflineError ? T.needsNetwork : e.message;
        }
        submit.disabled = false;
        submit.textContent = label;
      },
    }, content, error, submit);
  return form;
}

export function wechat(goOn) {
  bare(T.wechatTitle,
    h('img.picture', { src: 'img/wechat-open.svg', alt: T.wechatPicture, width: 320, height: 260 }),
    h('p', T.wechatSay),
    button(T.wechatGoOn, goOn));
}

export function enrol({ code = '', done }) {
  const input = numberInput({ autocomplete: 'one-time-code', value: code });
  bare(T.enrolTitle, h('p', code ? T.enrolLinkSay : T.enrolSay), gateForm(T.enrol, T.enrolling,
    field(T.code, input), async shown => {
      const value = digits(input.value);
      if (!eightDigits(value)) return T.codeFormat(T.code);
      const enrolment = await api.enrol(value, T.deviceName);
      if (!shown()) return null;
      history.replaceState(null, '', location.pathname + location.hash); // the code is used up
      setPin({ title: T.pin1, save: pin => vault.create(enrolment, pin), done });
    }));
}

function setPin({ title, save, done }) {
  const first = pinInput(),
    second = pinInput();
  bare(title, h('p', T.setPinSay), gateForm(T.ok, T.settingUp, [field(T.pin1, first), field(T.pin2, second)],
    async () => {
      const pin = digits(first.value);
      if (!/^[0-9]{4,6}$/.test(pin)) return T.pinFormat;
      if (pin !== digits(second.value)) {
        second.value = '';
        return T.pinMismatch;
      }
      await save(pin);
      await done();
    }));
}

export async function unlock({ done, forgot }) {
  const input = pinInput(),
    error = h('p.error', { role: 'alert' }),
    advice = h('p.notice.warn', { role: 'status' }),
    submit = h('button.wide', { type: 'submit' }, T.unlock);
  let timer = null;
  // The countdown reads the clock each second (timers are throttled on a sleeping phone).
  const waitFor = (until, fails) => {
    clearInterval(timer);
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      error.textContent = T.wrongPin + (left > 0 ? T.waitSeconds(left) : '');
      submit.disabled = left > 0;
      if (left <= 0) clearInterval(timer);
    };
    tick();
    if (until > Date.now()) timer = setInterval(tick, 1000);
    advice.textContent = fails >= vault.PIN_WARN_AFTER ? T.tooManyPins(fails) : '';
  };
  bare(T.unlockTitle, h('form', {
    novalidate: true,
    async onsubmit(e) {
      e.preventDefault();
      const pin = digits(input.value);
      if (!pin) return;
      submit.disabled = true;
      submit.textContent = T.unlocking;
      const result = await vault.unlock(pin);
      submit.textContent = T.unlock;
      if (result.ok) {
        clearInterval(timer);
        await done();
        return;
      }
      input.value = '';
      waitFor(Date.now() + result.wait * 1000, result.fails);
    },
  }, field(T.pin, input), error, advice, submit,
  button(T.forgotPin, () => { clearInterval(timer); forgot(); })));
  const status = await vault.pinStatus();
  if (status.fails > 0) waitFor(status.waitUntil, status.fails);
  input.focus();
}

export async function forgotPin({ done, back }) {
  const info = await vault.device(),
    input = numberInput();
  show(screen({ title: T.forgotPin, tabs: false, back }, h('p', T.recoverSay(shortId(info.deviceId))),
    info.stationPhone && telLink(info.stationPhone, T.callStation(info.stationPhone)),
    gateForm(T.recover, T.recovering, field(T.recoveryCode, input), async shown => {
      const code = digits(input.value);
      if (!eightDigits(code)) return T.codeFormat(T.recoveryCode);
      const { recovery_key: key } = await api.recover(info.recoveryToken, code);
      if (!shown()) return null;
      await vault.recover(key);
      setPin({ title: T.newPinTitle, save: vault.setPin, done });
    })));
}

// A tab that must wait or stop for another one: big words, and at most one thing to do, done once (a
// second tap on 在这里使用 would take the app from this very tab).
export function standBy({ title, say, label, action, warn }) {
  bare(title, h('p', say), warn && h('p.notice.warn', warn), label && button(label, e => {
    e.currentTarget.disabled = true;
    action();
  }, 'wide'));
}

export function stopped({ revoked, inactive, reason, unsent, exportNow, wipe }) {
  const exported = h('p.notice', { role: 'status' });
  bare(revoked ? T.revokedTitle : inactive ? T.inactiveTitle : T.reenrolTitle,
    h('p.notice.warn', reason),
    h('p', T.revokedSay(unsent, reason === T.cleared, inactive)),
    unsent > 0 && button(T.exportUnsent, async () => {
      exported.textContent = T.exported(await exportNow());
    }, 'wide'),
    exported,
    confirmButton(T.wipe, T.wipeConfirm, wipe, 'wide danger'));
}
