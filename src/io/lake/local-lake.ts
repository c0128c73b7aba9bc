// Embedded lake: DATA_DIR/lake/<bucket>/<key> on local disk. Objects are written to a scratch
// directory on the same filesystem and renamed into place (atomic on POSIX). An object is durable
// (power loss included) when the call that made it resolves: its bytes and its directory entry are
// fsynced (durable-fs.ts). Deletes are not synced: an object that comes back after a power loss
// is one readers ignore or the next start deletes again (a compacted input, superseded by its
// merge; a file at or past a sink's resume offset, which its recovery removes).

import { constants, copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { mkdirDurable, syncPath } from '../durable-fs.js';
import type { Lake, LakeObject } from './lake.js';

export class LocalLake implements Lake {
  constructor(readonly root: string) {}

  private scratchDir(): string {
    return join(this.root, '.scratch');
  }

  async scratchPath(bucket: string, key: string): Promise<string> {
    await mkdir(this.scratchDir(), { recursive: true });
    const safe = `${bucket}/${key}`.replace(/[^A-Za-z0-9._=-]+/g, '_');
    return join(this.scratchDir(), `${randomUUID()}-${safe}`);
  }

  async commit(scratch: string, bucket: string, key: string): Promise<void> {
    const target = join(this.root, bucket, key);
    await syncPath(scratch); // the object's one fsync: writers leave scratch unsynced (Lake.commit)
    await mkdirDurable(dirname(target));
    await rename(scratch, target);
    await syncPath(dirname(target));
  }

  async put(bucket: string, key: string, bytes: Uint8Array): Promise<void> {
    const scratch = await this.scratchPath(bucket, key);
    await writeFile(scratch, bytes);
    await this.commit(scratch, bucket, key);
  }

  async create(bucket: string, key: string, bytes: Uint8Array): Promise<boolean> {
    // Written whole in scratch, then linked into place: link(2) fails when the name exists, so
    // the object appears complete, and only for the one caller that made it.
    const scratch = await this.scratchPath(bucket, key);
    const target = join(this.root, bucket, key);
    try {
      await writeFile(scratch, bytes);
      await syncPath(scratch);
      await mkdirDurable(dirname(target));
      await link(scratch, target);
      await syncPath(dirname(target));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await rm(scratch, { force: true });
    }
  }

  async copy(bucket: string, from: string, to: string): Promise<void> {
    // A copy (a reflink where the filesystem has them) in scratch, then one rename into place.
    const scratch = await this.scratchPath(bucket, to);
    await copyFile(join(this.root, bucket, from), scratch, constants.COPYFILE_FICLONE);
    await this.commit(scratch, bucket, to);
  }

  async read(bucket: string, key: string): Promise<Buffer | null> {
    try {
      return await readFile(join(this.root, bucket, key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async list(bucket: string, prefix: string): Promise<LakeObject[]> {
    const base = join(this.root, bucket);
    const out: LakeObject[] = [];
    // Walk only the directory the prefix names, never the whole bucket.
    const dir = join(base, prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '');
    const walk = async (d: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const ent of entries) {
        const p = join(d, ent.name);
        const key = relative(base, p);
        if (ent.isDirectory()) {
          if (prefix.startsWith(key + '/') || key.startsWith(prefix)) await walk(p);
        } else if (key.startsWith(prefix)) {
          // Another writer may delete a file between readdir and stat (sinks of other partitions
          // recover concurrently): a file gone is simply not listed.
          const size = await stat(p).then((st) => st.size, (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
          if (size !== null) out.push({ key, size });
        }
      }
    };
    await walk(dir);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(bucket: string, keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(join(this.root, bucket, k), { force: true })));
  }

  async cleanScratch(): Promise<void> {
    await rm(this.scratchDir(), { recursive: true, force: true });
  }

  describe(): string {
    return this.root;
  }
}
