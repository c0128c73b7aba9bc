// The "but" rule against a direct transcription of the reference's _but_check (list.index()
// on a list mutated while iterated), on random valence lists rich in equal values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ButRule } from '../../src/domain/sentiment/but-rule.js';

/** vaderSentiment 3.3.2 _but_check, transcribed: quadratic, for comparison only. */
function referenceButCheck(sentiments: number[], bi: number): number[] {
  const s = [...sentiments];
  for (let k = 0; k < s.length; k++) {
    const v = s[k];
    const si = s.indexOf(v);
    if (si < bi) s[si] = v * 0.5;
    else if (si > bi) s[si] = v * 1.5;
  }
  return s;
}

void test('equal valences are scaled at their first position, as list.index() does', () => {
  // [2, 1, 0.5, 1] before "but": the last 1 is scaled at position 1, after 0.5's class got position 0.
  const s = Float64Array.from([2, 1, 0.5, 1, 0]);
  new ButRule().apply(s, 5, 4);
  assert.deepEqual([...s], referenceButCheck([2, 1, 0.5, 1, 0], 4));
});

void test('random lists with many equal values match the reference', () => {
  const rule = new ButRule();
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const palette = [0, 0, 0.5, 1, 2, 4, 1.5, 3, 0.75, -1, -2, -0.5, -4, 2.25];
  for (let trial = 0; trial < 5000; trial++) {
    const n = 1 + Math.floor(rnd() * 40);
    const values = Array.from({ length: n }, () => palette[Math.floor(rnd() * palette.length)]);
    const bi = Math.floor(rnd() * n);
    values[bi] = 0; // "but" carries no valence (it is not a lexicon word)
    const s = Float64Array.from(values);
    rule.apply(s, n, bi);
    assert.deepEqual([...s], referenceButCheck(values, bi), JSON.stringify({ values, bi }));
  }
});
