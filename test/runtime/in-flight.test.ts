import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../../src/runtime/in-flight.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

test('add does not wait; belowLimit waits only while more than the limit is in flight; settle waits for all', async () => {
  const f = new InFlight(10);
  const a = deferred();
  const b = deferred();
  f.add(a.promise, 8);
  assert.equal(await settled(f.belowLimit()), true, '8 of 10 in flight: no wait');
  f.add(b.promise, 8);
  assert.equal(f.size, 16);
  const below = f.belowLimit();
  assert.equal(await settled(below), false, '16 of 10 in flight: waits');
  a.resolve();
  await below;
  assert.equal(f.size, 8);
  const all = f.settle();
  assert.equal(await settled(all), false, 'settle waits for the last one');
  b.resolve();
  await all;
  assert.equal(f.size, 0);
});

test('a failure is thrown by the next wait, and by every one after it', async () => {
  const f = new InFlight(100);
  const a = deferred();
  const b = deferred();
  f.add(a.promise, 1);
  f.add(b.promise, 1);
  a.reject(new Error('broker not available'));
  await Promise.resolve();
  await assert.rejects(f.belowLimit(), /broker not available/, 'below the limit, but a send failed');
  const all = f.settle();
  assert.equal(await settled(all), false, 'settle still waits for the rest');
  b.resolve();
  await assert.rejects(all, /broker not available/);
  await assert.rejects(f.settle(), /broker not available/);
});
