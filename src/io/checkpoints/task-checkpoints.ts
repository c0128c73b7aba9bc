// Checkpoints per task, for replicas that share a consumer group (DESIGN.md §5). A task is one
// partition number p: the instances `*/p` of every stage. Each process saves, at every
// checkpoint, one file per task it owns (`<pipeline>-task-<p>/chk-<id>.msgpack`), holding those
// instances' snapshots and the source offsets they resume from. A process that is given task p
// restores it from p's newest checkpoint whose offsets the consumer group has committed (every
// offset at or below the committed one):
// - a checkpoint saved whose commit never happened (a crash in between) is passed over for the
//   one before it, whose replay the sinks already handle;
// - a checkpoint saved by a replica that had lost the task without knowing it yet (its commits
//   are refused by the group) is passed over too: the group's offsets fence it out.
// Tasks share no state, so each is restored on its own, from whichever replica saved it.

import type { Logger } from '../../runtime/actor.js';
import type { Checkpoint, CheckpointStore } from '../../runtime/checkpoints.js';

/** A store that can list what it keeps (local and lake stores do). */
export interface CheckpointHistory extends CheckpointStore {
  /** Every kept checkpoint of a pipeline, newest first. */
  history(pipeline: string): Promise<Checkpoint[]>;
  /** The highest checkpoint id kept for a pipeline (0: none). */
  newestId(pipeline: string): Promise<number>;
}

export interface TaskOwnership {
  /** The tasks this process owns now. */
  owned(): readonly number[];
  /** The group's committed next offset per source topic of task p (-1: none committed). */
  committed(task: number): Promise<Map<string, number>>;
}

/** Source offsets a task checkpoint resumes from, by topic (topics not read yet are absent). */
export type TaskOffsets = Record<string, number>;

export const taskOf = (instance: string): number => Number(instance.slice(instance.lastIndexOf('/') + 1));
export const taskPipeline = (pipeline: string, task: number): string => `${pipeline}-task-${task}`;

/**
 * The candidate to restore a task from: the one with the furthest offsets among those whose every
 * offset the group has committed (ties: the newest). Null when none qualifies. Pure.
 */
export function chooseTaskCheckpoint(candidates: readonly { offsets: TaskOffsets; takenAt: number }[], committed: ReadonlyMap<string, number>): number | null {
  let best: number | null = null;
  let bestSum = -1;
  candidates.forEach((c, i) => {
    let sum = 0;
    for (const [topic, offset] of Object.entries(c.offsets)) {
      if (offset > (committed.get(topic) ?? -1)) return;
      sum += offset;
    }
    if (best === null || sum > bestSum || (sum === bestSum && c.takenAt > candidates[best].takenAt)) {
      best = i;
      bestSum = sum;
    }
  });
  return best;
}

export class TaskCheckpointStore implements CheckpointStore {
  constructor(
    private readonly inner: CheckpointHistory,
    /** Partitions of the input topics: tasks 0..tasks-1. */
    private readonly tasks: number,
    private readonly ownership: TaskOwnership,
    /** Source offsets held in a task's snapshots. */
    private readonly offsetsOf: (snapshots: Record<string, Uint8Array>, task: number) => TaskOffsets,
    private readonly log: Logger,
  ) {}

  async save(cp: Checkpoint): Promise<void> {
    const byTask = new Map<number, Record<string, Uint8Array>>();
    for (const [instance, bytes] of Object.entries(cp.snapshots)) {
      const t = taskOf(instance);
      let m = byTask.get(t);
      if (!m) byTask.set(t, (m = {}));
      m[instance] = bytes;
    }
    // Tasks owned now and run by this launch (placeholders of other tasks take no snapshot).
    await Promise.all(
      this.ownership.owned().filter((t) => byTask.has(t)).map((t) => {
        const snapshots = byTask.get(t)!;
        return this.inner.save({ id: cp.id, pipeline: taskPipeline(cp.pipeline, t), takenAt: cp.takenAt, snapshots, meta: { ...cp.meta, task: t, offsets: this.offsetsOf(snapshots, t) } });
      }),
    );
  }

  /** The owned tasks' checkpoints merged into one (null when no task has one to resume from). */
  async latest(pipeline: string): Promise<Checkpoint | null> {
    const merged: Checkpoint = { id: 0, pipeline, takenAt: 0, snapshots: {}, meta: {} };
    let found = false;
    for (const t of this.ownership.owned()) {
      const history = await this.inner.history(taskPipeline(pipeline, t));
      if (history.length === 0) continue;
      const committed = await this.ownership.committed(t);
      const i = chooseTaskCheckpoint(history.map((c) => ({ offsets: (c.meta?.offsets ?? {}) as TaskOffsets, takenAt: c.takenAt })), committed);
      if (i === null) {
        this.log.warn('no checkpoint of this task matches the offsets its consumer group committed: it starts empty from the committed offsets', { task: t, checkpoints: history.map((c) => c.id), committed: Object.fromEntries(committed) });
        continue;
      }
      const cp = history[i];
      found = true;
      Object.assign(merged.snapshots, cp.snapshots);
      merged.id = Math.max(merged.id, cp.id);
      merged.takenAt = Math.max(merged.takenAt, cp.takenAt);
      merged.meta = { ...cp.meta, ...merged.meta };
      this.log.info('task restored from checkpoint', { task: t, checkpoint: cp.id, offsets: cp.meta?.offsets });
    }
    return found ? merged : null;
  }

  /**
   * Past every id any replica saved for any task: a task's checkpoint ids keep growing whichever
   * process owns it (the stores order and prune by id).
   */
  async nextId(pipeline: string): Promise<number> {
    const ids = await Promise.all(Array.from({ length: this.tasks }, (_, t) => this.inner.newestId(taskPipeline(pipeline, t))));
    return Math.max(0, ...ids) + 1;
  }
}
