// Timestamps, not a timer alone, so a phone that slept in a pocket locks as soon as it wakes.

const IDLE_MS = 5 * 60 * 1000,
  EVENTS = ['pointerdown', 'touchstart', 'input', 'scroll', 'wheel'];

let last = Date.now(),
  timer = null,
  onIdle = null,
  listening = null; // aborted by stop(), which takes every listener off (as sync.js's triggers)

const touch = () => { last = Date.now(); };

function check() {
  const fire = onIdle;
  // Either way: a clock put back (the warning asks for it) since her last touch counts as time gone by.
  if (fire && Math.abs(Date.now() - last) >= IDLE_MS) {
    stop();
    fire();
  }
}

export function start(callback) {
  stop();
  last = Date.now();
  onIdle = callback;
  listening = new AbortController();
  const { signal } = listening;
  for (const name of EVENTS) addEventListener(name, touch, { passive: true, capture: true, signal });
  document.addEventListener('visibilitychange', check, { signal });
  timer = setInterval(check, 5000);
}

export function stop() {
  onIdle = null;
  clearInterval(timer);
  listening?.abort();
}
