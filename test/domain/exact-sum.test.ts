// Exact sums do not depend on the order values are added in, and round like math.fsum.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addExact, emptySum, exactValue, mergeExact } from '../../src/domain/exact-sum.js';

const sum = (xs: number[]) => {
  const acc = emptySum();
  for (const x of xs) addExact(acc, x);
  return exactValue(acc);
};

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('exact sum: any order of the same values gives the same double', () => {
  // Sentiment scores (4 decimals) and prices times volumes: a plain += differs by order.
  const values: number[] = [];
  for (let i = 0; i < 5_000; i++) values.push(Math.round(Math.sin(i) * 10_000) / 10_000, (100 + (i % 97) * 0.37) * (1 + (i % 13)) * 1_000);
  const expected = sum(values);
  let plainDiffers = false;
  for (let seed = 1; seed <= 20; seed++) {
    const xs = shuffled(values, seed);
    assert.equal(sum(xs), expected);
    if (xs.reduce((a, b) => a + b, 0) !== values.reduce((a, b) => a + b, 0)) plainDiffers = true;
  }
  assert.ok(plainDiffers, 'these values are order-sensitive under a plain sum');
});

test('exact sum: correctly rounded where a plain sum loses everything', () => {
  assert.equal(sum([1e100, 1, -1e100]), 1);
  assert.equal(sum([0.1, 0.2, 0.3, -0.6]), 2.7755575615628914e-17, 'as Python math.fsum: the doubles do not cancel exactly');
  assert.equal(sum([1, 1e-16, 1e-16]), 1.0000000000000002);
  assert.equal(sum([]), 0);
  assert.equal(sum([Infinity, 1]), Infinity);
  assert.ok(Number.isNaN(sum([Infinity, -Infinity, 5])));
  assert.equal(sum([Number.MAX_VALUE, Number.MAX_VALUE]), Infinity, 'an overflow keeps its sign');
});

test('exact sum: merging partial sums equals summing everything', () => {
  const xs = Array.from({ length: 1_000 }, (_, i) => Math.cos(i) * 1e6 + 1e-9 * i);
  const a = emptySum();
  const b = emptySum();
  xs.forEach((x, i) => addExact(i % 3 === 0 ? a : b, x));
  mergeExact(a, b);
  assert.equal(exactValue(a), sum(xs));
});
