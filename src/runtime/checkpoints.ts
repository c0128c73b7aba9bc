// A checkpoint: the snapshot of every instance taken at the same barrier. Source snapshots hold
// their offsets, so restoring one replays exactly what came after it. Where checkpoints are
// kept (local directory, object store) is an adapter's business: the runtime sees this interface.

export interface Checkpoint {
  id: number;
  pipeline: string;
  takenAt: number;
  /** Each instance's snapshot, encoded on its own thread (runtime/codec.ts). */
  snapshots: Record<string, Uint8Array>;
  /** Pipeline-wide values kept with the checkpoint (e.g. the generator's event-time origin). */
  meta?: Record<string, unknown>;
}

export interface CheckpointStore {
  latest(pipeline: string): Promise<Checkpoint | null>;
  save(cp: Checkpoint): Promise<void>;
  /** The lowest id the next checkpoint may take, when other processes save checkpoints too. */
  nextId?(pipeline: string): Promise<number>;
}

/** Tracks acknowledgements of in-flight checkpoints; pure. */
export class CheckpointTracker {
  private readonly inflight = new Map<number, { startedAt: number; snapshots: Record<string, Uint8Array>; missing: Set<string> }>();

  constructor(private readonly instances: readonly string[]) {}

  begin(id: number, now: number): void {
    this.inflight.set(id, { startedAt: now, snapshots: {}, missing: new Set(this.instances) });
  }

  /** Returns the completed checkpoint's snapshots once every instance has acknowledged it. */
  ack(id: number, instance: string, snapshot: Uint8Array | undefined): { snapshots: Record<string, Uint8Array>; startedAt: number } | null {
    const cp = this.inflight.get(id);
    if (!cp) return null;
    if (snapshot !== undefined) cp.snapshots[instance] = snapshot;
    cp.missing.delete(instance);
    if (cp.missing.size > 0) return null;
    this.inflight.delete(id);
    return { snapshots: cp.snapshots, startedAt: cp.startedAt };
  }

  /**
   * An instance that ended will not acknowledge later checkpoints: its final snapshot (its state
   * after its last record) stands in for it, so a checkpoint completed after some instances ended
   * still restores every instance. Without it, a restore from such a checkpoint started the ended
   * instances from scratch (a source from the group's committed offsets, parse without its
   * per-partition watermarks).
   */
  forget(instance: string, finalSnapshot?: Uint8Array): { id: number; snapshots: Record<string, Uint8Array>; startedAt: number }[] {
    const done = [];
    for (const [id, cp] of this.inflight) {
      if (cp.missing.has(instance) && finalSnapshot !== undefined) cp.snapshots[instance] = finalSnapshot;
      cp.missing.delete(instance);
      if (cp.missing.size === 0) {
        this.inflight.delete(id);
        done.push({ id, snapshots: cp.snapshots, startedAt: cp.startedAt });
      }
    }
    return done;
  }

  get pending(): number {
    return this.inflight.size;
  }
}
