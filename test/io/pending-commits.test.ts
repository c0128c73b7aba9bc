import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingCommits } from '../../src/io/kafka/pending-commits.js';

test('a completed checkpoint gives the offsets taken at its barrier and drops older ones', () => {
  const pending = new PendingCommits<number[]>();
  pending.atBarrier(1, [10]);
  pending.atBarrier(2, [20]);
  pending.atBarrier(3, [30]);
  assert.deepEqual(pending.completed(2), [20]);
  // Checkpoint 1 was dropped with 2; 3 is still waiting.
  assert.equal(pending.completed(1), undefined);
  assert.deepEqual(pending.completed(3), [30]);
});

test('a checkpoint not taken here gives nothing until the source has ended', () => {
  const pending = new PendingCommits<number[]>();
  assert.equal(pending.completed(7), undefined);
  pending.atBarrier(8, [80]);
  pending.atEnd([99]);
  assert.deepEqual(pending.completed(8), [80], 'a barrier taken before the end keeps its own offsets');
  assert.deepEqual(pending.completed(9), [99], 'every later checkpoint commits the final offsets');
  assert.deepEqual(pending.completed(10), [99]);
});
