// The speed layer's Piscina task on real threads: 'vader' is the default engine and returns the
// same compounds as the analyzer; 'vader-sentiment' is still selectable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from 'piscina';
import { SENTIMENT_ENGINES, createScorer } from '../../src/actors/sentiment/engines.js';
import { packTexts, taskBuffers } from '../../src/actors/sentiment/score-task.js';
import { defaultVader } from '../../src/io/vader-lexicons.js';

const WORKER = new URL('../../src/actors/sentiment/score-worker.js', import.meta.url).href;
const TEXTS = ['$TSLA to the moon 🚀🚀🚀 😁', 'No problems with $AAPL today', 'Not bad at all', '', 'BUT it is AWFUL'];

void test('vader is the first (default) engine', () => {
  assert.equal(SENTIMENT_ENGINES[0], 'vader');
  assert.ok(SENTIMENT_ENGINES.includes('vader-sentiment'));
  const score = createScorer('vader');
  for (const t of TEXTS) assert.equal(score(t), defaultVader().polarityScores(t).compound);
});

void test('the pool scores batches with vader when workerData names no engine', async () => {
  const pool = new Piscina({ filename: WORKER, maxThreads: 1, minThreads: 1 });
  try {
    const task = packTexts(TEXTS);
    const out = (await pool.run(task, { transferList: taskBuffers(task) })) as Float64Array;
    assert.deepEqual([...out], TEXTS.map((t) => defaultVader().compound(t)));
  } finally {
    await pool.destroy();
  }
});

void test('workerData {engine: "vader-sentiment"} keeps the old package', async () => {
  const pool = new Piscina({ filename: WORKER, maxThreads: 1, minThreads: 1, workerData: { engine: 'vader-sentiment' } });
  try {
    const out = (await pool.run(packTexts(['Not bad at all']))) as Float64Array;
    assert.equal(out[0], createScorer('vader-sentiment')('Not bad at all'));
    assert.notEqual(out[0], 0.431);
  } finally {
    await pool.destroy();
  }
});
