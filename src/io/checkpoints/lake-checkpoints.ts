// Checkpoints in the lake (the stack profile keeps them in the object store): one object per
// checkpoint, `checkpoints/<pipeline>/chk-<id>.msgpack` in bucket `checkpoints` (msgpack around
// the snapshots' bytes, as on local disk), written whole by
// `put` (atomic in both lakes), so a crash mid-save leaves the previous checkpoint as the latest.
// The newest `keep` are kept; older ones are deleted only after the new one is durable.

import type { Lake } from '../lake/lake.js';
import type { Checkpoint, CheckpointStore } from '../../runtime/checkpoints.js';
import { decodeOwned, encodeOwned } from '../../runtime/codec.js';

export const CHECKPOINT_BUCKET = 'checkpoints';
const NAME = /^chk-(\d+)\.msgpack$/;

export class LakeCheckpointStore implements CheckpointStore {
  constructor(
    private readonly lake: Lake,
    private readonly keep = 3,
    private readonly bucket = CHECKPOINT_BUCKET,
  ) {}

  private prefix(pipeline: string): string {
    if (pipeline === '' || pipeline.includes('/')) throw new Error(`checkpoint store: pipeline name ${JSON.stringify(pipeline)} must be non-empty and have no '/'`);
    return `checkpoints/${pipeline}/`;
  }

  private key(pipeline: string, id: number): string {
    return `${this.prefix(pipeline)}chk-${id}.msgpack`;
  }

  /** Checkpoint ids of a pipeline, oldest first (numeric order: chk-10 after chk-9). */
  private async ids(pipeline: string): Promise<number[]> {
    const prefix = this.prefix(pipeline);
    const objects = await this.lake.list(this.bucket, prefix);
    return objects
      .map((o) => NAME.exec(o.key.slice(prefix.length))?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async latest(pipeline: string): Promise<Checkpoint | null> {
    const ids = await this.ids(pipeline);
    // Newest first; one deleted between the listing and the read (a concurrent save's pruning) is skipped.
    for (const id of ids.reverse()) {
      const bytes = await this.lake.read(this.bucket, this.key(pipeline, id));
      if (bytes !== null) return decodeOwned<Checkpoint>(bytes);
    }
    return null;
  }

  /** The highest checkpoint id kept for a pipeline (0: none). */
  async newestId(pipeline: string): Promise<number> {
    return (await this.ids(pipeline)).at(-1) ?? 0;
  }

  /** Every kept checkpoint of a pipeline, newest first. */
  async history(pipeline: string): Promise<Checkpoint[]> {
    const out: Checkpoint[] = [];
    for (const id of (await this.ids(pipeline)).reverse()) {
      const bytes = await this.lake.read(this.bucket, this.key(pipeline, id));
      if (bytes !== null) out.push(decodeOwned<Checkpoint>(bytes));
    }
    return out;
  }

  async save(cp: Checkpoint): Promise<void> {
    await this.lake.put(this.bucket, this.key(cp.pipeline, cp.id), encodeOwned(cp));
    const ids = await this.ids(cp.pipeline);
    const old = ids.slice(0, Math.max(0, ids.length - this.keep));
    if (old.length > 0) await this.lake.delete(this.bucket, old.map((id) => this.key(cp.pipeline, id)));
  }
}
