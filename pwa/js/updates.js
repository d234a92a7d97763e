import * as forms from './forms.js';

let waitingWorker = null;
let updated = false;
const listeners = new Set();

export const updateReady = () => updated,
  onUpdate = listener => listeners.add(listener);

function offer(worker) {
  waitingWorker = worker;
  activateIfSafe();
}

// The decision shows on <html data-update>: 'held' while an open form keeps the new version waiting,
// 'taking-over' once it is told to take over. A held update shows nothing else, and a test (or a
// person with devtools) would otherwise have to wait and see that nothing happens.
function activateIfSafe() {
  if (!waitingWorker) return;
  const held = forms.isOpen();
  document.documentElement.dataset.update = held ? 'held' : 'taking-over';
  if (held) return;
  waitingWorker.postMessage({ type: 'activate' });
  waitingWorker = null;
}

export async function register() {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  let hadController = !!sw.controller;
  sw.oncontrollerchange = () => {
    // No controller after the change: the site's data was cleared, not an update (a reload offline is the
    // browser's error page). The database's close says so, whichever of the two events comes first.
    if (hadController && sw.controller) {
      updated = true;
      for (const listener of listeners) listener();
    }
    hadController = true;
  };
  forms.onClose(activateIfSafe);
  const registration = await sw.register('sw.js', { scope: './', updateViaCache: 'none' });
  if (registration.waiting && sw.controller) offer(registration.waiting);
  registration.onupdatefound = () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state == 'installed' && sw.controller) offer(worker);
    });
  };
}
