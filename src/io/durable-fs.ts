// Making a local file's creation survive a power loss, not only a process crash. A rename(2) or
// link(2) is atomic, but it is on disk only once its directory is fsynced; a file's bytes only
// once the file is. The embedded lake and checkpoints rename finished files into place: the
// checkpoint that names a file must never reach the disk before the file's own directory entry.

import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** fsync a file (or a directory: Linux opens one read-only for that) by path. */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p whose new directories are durable: each directory it creates is fsynced into its
 * parent (nothing is synced when the directory already existed).
 */
export async function mkdirDurable(path: string): Promise<void> {
  const dir = resolve(path);
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // `first` is the topmost directory created; each one from there down to `dir` is new.
  const created: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) created.push(d);
  for (const d of created.reverse()) await syncPath(dirname(d));
}
