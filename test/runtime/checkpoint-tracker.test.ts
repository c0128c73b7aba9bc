// CheckpointTracker: a checkpoint completed after some instances ended holds every instance's
// state — the ended ones' final snapshots stand in for the acknowledgements they cannot send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointTracker } from '../../src/runtime/checkpoints.js';

const bytes = (n: number) => new Uint8Array([n]);

test('an instance that ends during a checkpoint stands in with its final snapshot', () => {
  const t = new CheckpointTracker(['source/0', 'source/1', 'sink/0', 'sink/1']);
  t.begin(7, 0);
  assert.equal(t.ack(7, 'source/1', bytes(11)), null);
  // Partition 0 finished before its barrier reached it.
  assert.deepEqual(t.forget('source/0', bytes(1)), []);
  assert.deepEqual(t.forget('sink/0', bytes(2)), []);
  const done = t.ack(7, 'sink/1', bytes(12));
  assert.ok(done);
  assert.deepEqual(Object.keys(done.snapshots).sort(), ['sink/0', 'sink/1', 'source/0', 'source/1']);
  assert.deepEqual(done.snapshots['source/0'], bytes(1));
});

test('a checkpoint begun after instances ended holds their final snapshots', () => {
  const t = new CheckpointTracker(['source/0', 'source/1']);
  t.begin(8, 0);
  // What the supervisor does for every ended instance when it injects a barrier.
  assert.deepEqual(t.forget('source/0', bytes(1)), []);
  const done = t.ack(8, 'source/1', bytes(2));
  assert.deepEqual(done?.snapshots, { 'source/0': bytes(1), 'source/1': bytes(2) });
});

test('an acknowledgement already given is not overwritten by the final snapshot', () => {
  const t = new CheckpointTracker(['a/0', 'b/0']);
  t.begin(1, 0);
  t.ack(1, 'a/0', bytes(1));
  assert.deepEqual(t.forget('a/0', bytes(9)), []);
  const done = t.ack(1, 'b/0', bytes(2));
  assert.deepEqual(done?.snapshots['a/0'], bytes(1));
});

test('the last instance to end completes the checkpoint it leaves behind', () => {
  const t = new CheckpointTracker(['a/0']);
  t.begin(3, 5);
  const done = t.forget('a/0', bytes(4));
  assert.equal(done.length, 1);
  assert.deepEqual(done[0], { id: 3, snapshots: { 'a/0': bytes(4) }, startedAt: 5 });
  assert.equal(t.pending, 0);
});
