// The micro-cache of the real-time endpoints, on a manual clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MicroCache } from '../../src/pipelines/serving/cache.js';

test('an answer is reused within the TTL, recomputed after it, shared by concurrent callers, never kept when it failed, and bounded', async () => {
  let now = 1_000;
  let calls = 0;
  const cache = new MicroCache(200, 3, () => now);
  const read = (v: string) => async () => (calls++, v);
  assert.equal(await cache.get('a', read('a1')), 'a1');
  now += 199;
  assert.equal(await cache.get('a', read('a2')), 'a1', 'reused within the TTL');
  now += 1;
  assert.equal(await cache.get('a', read('a3')), 'a3', 'recomputed at the TTL');
  assert.equal(calls, 2);

  const [x, y] = await Promise.all([cache.get('b', read('b1')), cache.get('b', read('b2'))]);
  assert.deepEqual([x, y], ['b1', 'b1'], 'concurrent identical queries share one read');

  await assert.rejects(cache.get('c', () => Promise.reject(new Error('store down'))));
  await new Promise((r) => setImmediate(r));
  assert.equal(await cache.get('c', read('c1')), 'c1', 'a failure is not kept');

  await cache.get('d', read('d1'));
  await cache.get('e', read('e1'));
  assert.equal(cache.size, 3, 'at most max entries');

  const off = new MicroCache(0, 3, () => now);
  calls = 0;
  await off.get('a', read('1'));
  await off.get('a', read('2'));
  assert.equal(calls, 2, 'a TTL of 0 disables it');
});
