// One tab is the app at a time. Two would share one new visit's draft (typing in one overwrote the
// other's), and a tab left at the enrol screen could enrol over a fresh enrolment made in another.

const NAME = 'banxing-app';

// Resolves to whether this tab now holds the app (false: another tab has it); `lost` runs when another
// tab takes it over. Without Web Locks every tab is the app, as before.
function request(options, lost) {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise(resolve => {
    navigator.locks.request(NAME, options, lock => {
      resolve(lock !== null);
      return lock && new Promise(() => {}); // held for the page's life
    }).catch(error => {
      if (error?.name == 'AbortError') lost(); // another tab's 在这里使用 took it
      else {
        console.error('app lock', error);
        resolve(true);
      }
    });
  });
}

export const claim = lost => request({ ifAvailable: true }, lost),
  take = lost => request({ steal: true }, lost);
