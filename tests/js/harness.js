// A very small test harness for the app's ES modules, run inside Chromium by test_modules.py.
// A test file registers `test(name, fn)`; run(url) imports it and runs its tests in order.

const registered = [];

export function test(name, fn) {
  registered.push({ name, fn });
}

export function assert(condition, message = 'assertion failed') {
  if (!condition) throw new Error(message);
}

export function equal(actual, expected, message = 'values differ') {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${message}: got ${a}, expected ${b}`);
}

export async function rejects(promise, message = 'expected a rejection') {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(message);
}

/** Import one test file and run its tests; returns {name: null | "error text"}. */
export async function run(url) {
  registered.length = 0;
  await import(url);
  const results = {};
  for (const { name, fn } of registered) {
    try {
      await fn();
      results[name] = null;
    } catch (error) {
      results[name] = String((error && error.stack) || error);
    }
  }
  return results;
}
