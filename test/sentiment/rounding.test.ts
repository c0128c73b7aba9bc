// pyRound against CPython 3.11's round(x, n) (expected values printed by Python): ties of the
// exact binary value go to even, the sign of zero is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyRound } from '../../src/domain/sentiment/round.js';

const CASES: Array<[number, number, number]> = [
  [0.0625, 3, 0.062], [0.9375, 3, 0.938], [0.3125, 3, 0.312], [0.5625, 3, 0.562], [0.8125, 3, 0.812],
  [0.6875, 3, 0.688], [-0.0625, 3, -0.062], [2.675, 2, 2.67], [0.12345, 4, 0.1235], [-0.00001, 4, -0],
  [0.00005, 4, 0.0001], [0.00015, 4, 0.0001], [1, 4, 1], [-0.99995, 4, -1], [0.5, 0, 0], [1.5, 0, 2],
  [2.5, 0, 2], [0.03125, 4, 0.0312], [0.09375, 4, 0.0938], [0.28125, 4, 0.2812], [0, 3, 0], [-0, 4, -0],
];

void test('pyRound equals Python round() on ties, near-ties and signed zeros', () => {
  for (const [x, n, want] of CASES) assert.ok(Object.is(pyRound(x, n), want), `round(${x}, ${n}) = ${want}`);
});
