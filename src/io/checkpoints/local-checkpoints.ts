// Checkpoints on local disk: DATA_DIR/checkpoints/<pipeline>/chk-<id>.json, written to a temp
// file and renamed, so a crash mid-write leaves the previous checkpoint intact. Keeps the last few.

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint, CheckpointStore } from '../../runtime/checkpoints.js';

export class LocalCheckpointStore implements CheckpointStore {
  constructor(
    private readonly dir: string,
    private readonly keep = 3,
  ) {}

  private async ids(pipeline: string): Promise<number[]> {
    try {
      const names = await readdir(join(this.dir, pipeline));
      return names.map((n) => /^chk-(\d+)\.json$/.exec(n)?.[1]).filter((x): x is string => !!x).map(Number).sort((a, b) => a - b);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async latest(pipeline: string): Promise<Checkpoint | null> {
    const ids = await this.ids(pipeline);
    const id = ids.at(-1);
    if (id === undefined) return null;
    return JSON.parse(await readFile(join(this.dir, pipeline, `chk-${id}.json`), 'utf8')) as Checkpoint;
  }

  async save(cp: Checkpoint): Promise<void> {
    const dir = join(this.dir, cp.pipeline);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.chk-${cp.id}.json.tmp`);
    await writeFile(tmp, JSON.stringify(cp));
    await rename(tmp, join(dir, `chk-${cp.id}.json`));
    const ids = await this.ids(cp.pipeline);
    await Promise.all(ids.slice(0, Math.max(0, ids.length - this.keep)).map((id) => rm(join(dir, `chk-${id}.json`), { force: true })));
  }
}
