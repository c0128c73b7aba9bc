// Scale-out pieces without servers: how tasks are dealt to the members of a consumer group, which
// task checkpoint a process resumes from (fenced by the group's committed offsets), and the
// repartition reader's de-duplication of rows written twice by a replay.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { unseen } from '../../src/actors/shuffle-source/actor.js';
import { LocalCheckpointStore } from '../../src/io/checkpoints/local-checkpoints.js';
import { chooseTaskCheckpoint, TaskCheckpointStore, taskPipeline, type TaskOffsets } from '../../src/io/checkpoints/task-checkpoints.js';
import { dealTasks } from '../../src/io/kafka/co-partitioned-assigner.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/runtime/codec.js';
import { quietLogger } from '../helpers/runtime.js';

test('tasks are dealt whole and evenly over the members, the same whatever order they come in', () => {
  assert.deepEqual(Object.fromEntries(dealTasks(['b', 'a'], 6)), { a: [0, 2, 4], b: [1, 3, 5] });
  assert.deepEqual(Object.fromEntries(dealTasks(['c', 'a', 'b'], 4)), { a: [0, 3], b: [1], c: [2] });
  assert.deepEqual(Object.fromEntries(dealTasks(['x'], 3)), { x: [0, 1, 2] });
  assert.deepEqual(Object.fromEntries(dealTasks(['a', 'b', 'c'], 2)), { a: [0], b: [1], c: [] }, 'a member beyond the task count gets none');
});

test('a task resumes from its furthest checkpoint whose offsets the group committed', () => {
  const committed = new Map([['tweets', 500], ['stock-prices', 90]]);
  const at = (tweets: number, prices: number, takenAt: number) => ({ offsets: { tweets, 'stock-prices': prices }, takenAt });
  assert.equal(chooseTaskCheckpoint([at(600, 95, 3), at(500, 90, 2), at(400, 80, 1)], committed), 1, 'the newest was saved but never committed (a crash in between, or a fenced replica)');
  assert.equal(chooseTaskCheckpoint([at(400, 80, 1), at(450, 85, 2)], committed), 1, 'none matches exactly: the furthest at or below');
  assert.equal(chooseTaskCheckpoint([at(600, 95, 3)], committed), null);
  assert.equal(chooseTaskCheckpoint([{ offsets: {}, takenAt: 1 }], new Map()), 0, 'a task that had read nothing yet');
  assert.equal(chooseTaskCheckpoint([at(1, 0, 1)], new Map()), null, 'nothing committed: nothing read may be assumed durable');
});

test('task checkpoints: each owned task saved apart, restored from what the group committed, ids growing across replicas', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-tasks-'));
  const inner = new LocalCheckpointStore(dir, 5);
  const committed = new Map<number, Map<string, number>>();
  let owned = [0, 2];
  const offsetsOf = (snaps: Record<string, Uint8Array>, t: number): TaskOffsets => (snaps[`source/${t}`] ? (decodeSnapshot(snaps[`source/${t}`]) as TaskOffsets) : {});
  const replica = () => new TaskCheckpointStore(inner, 3, { owned: () => owned, committed: async (t) => committed.get(t) ?? new Map() }, offsetsOf, quietLogger());
  const snap = (v: unknown) => encodeSnapshot(v)!;
  const cp = (id: number, tweets: number) => ({
    id,
    pipeline: 'speed',
    takenAt: id,
    snapshots: Object.fromEntries([0, 1, 2].flatMap((t) => [[`source/${t}`, snap({ tweets: tweets + t })], [`windows/${t}`, snap({ panes: id * 10 + t })]])),
  });
  const a = replica();
  await a.save(cp(1, 100));
  await a.save(cp(2, 200));
  assert.equal((await inner.history(taskPipeline('speed', 1))).length, 0, 'task 1 is not owned: not saved');
  const saved = await inner.history(taskPipeline('speed', 2));
  assert.deepEqual(saved.map((c) => c.id), [2, 1]);
  assert.deepEqual(Object.keys(saved[0].snapshots).sort(), ['source/2', 'windows/2']);
  assert.deepEqual(saved[0].meta?.offsets, { tweets: 202 });

  // Task 0 committed checkpoint 2; task 2 only checkpoint 1 (the process died before committing 2).
  committed.set(0, new Map([['tweets', 200]]));
  committed.set(2, new Map([['tweets', 102]]));
  owned = [0, 1, 2];
  const b = replica();
  const restored = await b.latest('speed');
  assert.ok(restored);
  assert.deepEqual(Object.keys(restored.snapshots).sort(), ['source/0', 'source/2', 'windows/0', 'windows/2']);
  assert.deepEqual(decodeSnapshot(restored.snapshots['windows/0']), { panes: 20 });
  assert.deepEqual(decodeSnapshot(restored.snapshots['windows/2']), { panes: 12 }, 'task 2 from checkpoint 1');
  assert.equal(await b.nextId('speed'), 3, 'ids continue past every task of every replica');
});

test('the repartition reader keeps each row once: a replay rewrites rows, they are dropped by origin offset', () => {
  const seen = [-1, -1];
  const rows = (...offsets: number[]) => offsets.map((offset) => ({ offset }));
  assert.deepEqual(unseen(rows(0, 1, 1, 2), seen, 0), rows(0, 1, 1, 2), 'two rows of one tweet (two cashtags) both kept');
  assert.deepEqual(seen, [2, -1]);
  assert.deepEqual(unseen(rows(1, 2, 3, 4), seen, 0), rows(3, 4), 'a replay from offset 1 overlaps');
  assert.deepEqual(unseen(rows(0, 1), seen, 0), [], 'wholly seen');
  assert.deepEqual(unseen(rows(0), seen, 1), rows(0), 'origins are counted apart');
  assert.deepEqual(seen, [4, 0]);
  assert.deepEqual(unseen(undefined, seen, 1), []);
});
