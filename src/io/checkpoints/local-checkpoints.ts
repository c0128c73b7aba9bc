// Checkpoints on local disk: DATA_DIR/checkpoints/<pipeline>/chk-<id>.msgpack, written to a temp
// file, flushed and renamed (the directory fsynced after), so a crash mid-write leaves the
// previous checkpoint intact and a saved one survives a power loss. Keeps
// the last few. The file is msgpack (runtime/codec.ts) around the snapshots' bytes, so saving
// a large state costs a copy, not a serialisation on the supervisor's thread.

import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirDurable, syncPath } from '../durable-fs.js';
import type { Checkpoint, CheckpointStore } from '../../runtime/checkpoints.js';
import { decodeOwned, encodeOwned } from '../../runtime/codec.js';

export class LocalCheckpointStore implements CheckpointStore {
  constructor(
    private readonly dir: string,
    private readonly keep = 3,
  ) {}

  private async ids(pipeline: string): Promise<number[]> {
    try {
      const names = await readdir(join(this.dir, pipeline));
      return names.map((n) => /^chk-(\d+)\.msgpack$/.exec(n)?.[1]).filter((x): x is string => !!x).map(Number).sort((a, b) => a - b);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async latest(pipeline: string): Promise<Checkpoint | null> {
    const ids = await this.ids(pipeline);
    const id = ids.at(-1);
    if (id === undefined) return null;
    return decodeOwned<Checkpoint>(await readFile(join(this.dir, pipeline, `chk-${id}.msgpack`)));
  }

  /** The highest checkpoint id kept for a pipeline (0: none). */
  async newestId(pipeline: string): Promise<number> {
    return (await this.ids(pipeline)).at(-1) ?? 0;
  }

  /** Every kept checkpoint of a pipeline, newest first. */
  async history(pipeline: string): Promise<Checkpoint[]> {
    const out: Checkpoint[] = [];
    for (const id of (await this.ids(pipeline)).reverse()) {
      const bytes = await readFile(join(this.dir, pipeline, `chk-${id}.msgpack`)).catch(() => null);
      if (bytes) out.push(decodeOwned<Checkpoint>(bytes));
    }
    return out;
  }

  async save(cp: Checkpoint): Promise<void> {
    const dir = join(this.dir, cp.pipeline);
    await mkdirDurable(dir);
    const tmp = join(dir, `.chk-${cp.id}.msgpack.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.write(encodeOwned(cp));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(dir, `chk-${cp.id}.msgpack`));
    await syncPath(dir); // the rename too survives a power loss
    const ids = await this.ids(cp.pipeline);
    await Promise.all(ids.slice(0, Math.max(0, ids.length - this.keep)).map((id) => rm(join(dir, `chk-${id}.msgpack`), { force: true })));
  }
}
