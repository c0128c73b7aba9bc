// The batch layer's statistics on small hand-checked inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOf, logReturnVolatility, max, mean, min, movingAverage, percentile, percentileSorted, sampleStdDev } from '../../src/domain/stats.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('percentile: linear interpolation between closest ranks (numpy linear, DuckDB quantile_cont)', () => {
  const xs = [1, 2, 3, 4];
  // h = (n - 1) q: q = 0.5 -> h = 1.5 -> 2 + 0.5 (3 - 2) = 2.5
  assert.equal(percentile(xs, 0.5), 2.5);
  // q = 0.95 -> h = 2.85 -> 3 + 0.85 (4 - 3) = 3.85
  close(percentile(xs, 0.95), 3.85);
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile(xs, 1), 4);
  assert.equal(percentile([10, 1, 5], 0.5), 5, 'unsorted input is sorted first; odd n hits a rank exactly');
  assert.equal(percentile([7], 0.95), 7, 'one value');
  assert.ok(Number.isNaN(percentile([], 0.5)), 'empty is null');
  // 21 values 0..20: p95 -> h = 19 exactly
  assert.equal(percentileSorted(Float64Array.from({ length: 21 }, (_, i) => i), 0.95), 19);
  assert.equal(percentileSorted([0, 0, 9, 1, 2], 0.5, 2, 5), 1, 'on a sorted slice [from, to)');
  assert.throws(() => percentile([1], 1.5), RangeError);
});

test('mean, min, max and the sample standard deviation (n - 1)', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.equal(min([3, -1, 2]), -1);
  assert.equal(max([3, -1, 2]), 3);
  // deviations -3 -1 1 3: ss = 20, / 3
  close(sampleStdDev([1, 3, 5, 7]), Math.sqrt(20 / 3));
  assert.ok(Number.isNaN(sampleStdDev([5])), 'one value: null, as stddev_samp');
  assert.ok(Number.isNaN(mean([])));
  // Large offset: the naive sum-of-squares formula loses everything here.
  close(sampleStdDev([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]), Math.sqrt(30), 1e-6);
  assert.equal(sampleStdDev([0.1, 0.1, 0.1]), 0, 'constant values have no spread');
});

test('volatility: sample std dev of log returns of consecutive closes', () => {
  const closes = [100, 110, 99, 99];
  const r = [Math.log(1.1), Math.log(99 / 110), 0];
  const m = (r[0] + r[1] + r[2]) / 3;
  close(logReturnVolatility(closes), Math.sqrt(r.reduce((s, x) => s + (x - m) ** 2, 0) / 2));
  assert.ok(Number.isNaN(logReturnVolatility([100, 101])), 'one return: null');
  assert.ok(Number.isNaN(logReturnVolatility([100])), 'no return: null');
  assert.equal(logReturnVolatility([50, 100, 200, 400]), 0, 'constant growth has no volatility');
});

test('moving average over the value and the 9 before it, fewer at the start', () => {
  const xs = Array.from({ length: 12 }, (_, i) => i + 1);
  const ma = movingAverage(xs, 10);
  assert.equal(ma[0], 1);
  assert.equal(ma[1], 1.5);
  assert.equal(ma[2], 2);
  assert.equal(ma[9], 5.5, 'ten values 1..10');
  assert.equal(ma[10], 6.5, 'values 2..11: the oldest left the window');
  assert.equal(ma[11], 7.5);
  assert.equal(movingAverage([], 10).length, 0);
  assert.throws(() => movingAverage([1], 0), RangeError);
});

test('hours are truncated in UTC, also before 1970', () => {
  assert.equal(hourOf(Date.parse('2025-12-18T14:59:59.999Z')), Date.parse('2025-12-18T14:00:00Z'));
  assert.equal(hourOf(Date.parse('2025-12-18T15:00:00Z')), Date.parse('2025-12-18T15:00:00Z'));
  assert.equal(hourOf(-1), -3_600_000);
});
