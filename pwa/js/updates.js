// The service worker from the page's side: register it, and let a new version take over
// only when no form is open (a half-filled form is never interrupted). The running page
// keeps its code; the new version is used the next time the app opens or locks.

import * as forms from './forms.js';

let waitingWorker = null;
let updated = false;
const listeners = new Set();

export const updateReady = () => updated;
export const onUpdate = (listener) => listeners.add(listener);

function offer(worker) {
  waitingWorker = worker;
  activateIfSafe();
}

/** Ask the waiting worker to take over, unless a form is open (then wait for it to close). */
export function activateIfSafe() {
  if (waitingWorker && !forms.isOpen()) {
    waitingWorker.postMessage({ type: 'activate' });
    waitingWorker = null;
  }
}

export async function register() {
  if (!('serviceWorker' in navigator)) return null;
  let hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) {
      updated = true;
      for (const listener of listeners) listener();
    }
    hadController = true;
  });
  forms.onClose(activateIfSafe);
  const registration = await navigator.serviceWorker.register('sw.js', { scope: './', updateViaCache: 'none' });
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  return registration;
}
