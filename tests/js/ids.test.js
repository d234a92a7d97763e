import { uuid7 } from '/app/js/ids.js';
import { assert, equal, test } from './harness.js';

test('record ids are canonical lower-case UUIDv7', () => {
  const id = uuid7();
  assert(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id);
});

test('ids carry their time, so later ids sort after earlier ones', () => {
  const a = uuid7(Date.UTC(2026, 0, 1));
  const b = uuid7(Date.UTC(2026, 0, 1) + 1);
  assert(a < b, `${a} !< ${b}`);
  equal(parseInt(a.slice(0, 8) + a.slice(9, 13), 16), Date.UTC(2026, 0, 1));
});

test('a thousand ids are all different', () => {
  equal(new Set(Array.from({ length: 1000 }, () => uuid7(0))).size, 1000);
});
