// Pathological inputs are scored with work proportional to their size. Work is the analyzer's
// own step meter (characters visited, tokens scored, heap moves of the "but" rule), compared at
// sizes n and 2n; wall-clock is never used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultVader } from '../../src/io/vader-lexicons.js';

const vader = defaultVader();

function workOf(text: string): number {
  const before = vader.work;
  vader.polarityScores(text);
  return vader.work - before;
}

const INPUTS: Array<[string, (n: number) => string, number]> = [
  ['100 KB of "!"', (n) => '!'.repeat(n), 100_000],
  ['10,000 emojis', (n) => '😁🚀👍🏽📉'.repeat(n / 4), 10_000],
  ['10,000 emojis with spaces', (n) => '😡 '.repeat(n), 10_000],
  ['10,000 repeated negations', (n) => 'not '.repeat(n) + 'good', 10_000],
  ['10,000 mixed-case negations before words', (n) => "Not NEVER isn't good ".repeat(n / 4), 10_000],
  ['10,000 "no" negations', (n) => 'no good '.repeat(n / 2), 10_000],
  ['equal valences around "but"', (n) => 'good great '.repeat(n / 4) + 'but ' + 'good great '.repeat(n / 4), 10_000],
  ['many "but"s', (n) => 'good but '.repeat(n / 2), 10_000],
  ['one 100 KB word', (n) => 'A'.repeat(n), 100_000],
];

for (const [name, make, n] of INPUTS) {
  void test(`${name}: work at 2n is about twice the work at n`, () => {
    const small = workOf(make(n));
    const large = workOf(make(2 * n));
    const ratio = large / small;
    assert.ok(small >= n, `work ${small} counts every character`);
    assert.ok(ratio > 1.5 && ratio < 2.5, `work ratio ${ratio.toFixed(3)} (n: ${small}, 2n: ${large})`);
  });
}
