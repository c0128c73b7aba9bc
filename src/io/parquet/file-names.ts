// Names of lake sink files, and which of them readers should read.
//
// `part-[<tag>-]p<partition>-o<first>-<last>.snappy.parquet`: the writer (Hive partition value in
// the directory, tag, source partition) and the range of source offsets (or seq numbers) of its
// rows. One writer's files have disjoint ranges, except while a compaction (compaction.ts) is
// replacing some of them by one file spanning their union: a file whose range lies inside
// another's of the same writer is *superseded* and must not be read.

import type { Lake, LakeObject } from '../lake/lake.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** `part-[<tag>-]p<partition>-o<first>-<last>`: the tag tells apart writers sharing a table. */
export const fileName = (partition: number, first: number, last: number, tag = '') =>
  `part-${tag ? `${tag}-` : ''}p${pad(partition, 3)}-o${pad(first, 9)}-${pad(last, 9)}.snappy.parquet`;
/** A Hive partition value safe in a path on every lake (no separators, not `.` or `..`). */
export const PATH_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
const FILE_RE = /^part-(?:([a-z][a-z0-9]*)-)?p(\d+)-o(\d+)-(\d+)\.snappy\.parquet$/;

export function parseFileName(name: string): { tag: string; partition: number; first: number; last: number } | null {
  const m = FILE_RE.exec(name);
  return m ? { tag: m[1] ?? '', partition: Number(m[2]), first: Number(m[3]), last: Number(m[4]) } : null;
}


interface Parsed {
  key: string;
  writer: string;
  first: number;
  last: number;
}

/** Keys of the files whose range lies inside another file's of the same writer (merged into it). */
export function supersededKeys(objects: readonly LakeObject[]): Set<string> {
  const byWriter = new Map<string, Parsed[]>();
  for (const o of objects) {
    const slash = o.key.lastIndexOf('/');
    const f = parseFileName(o.key.slice(slash + 1));
    if (!f) continue;
    const writer = `${o.key.slice(0, Math.max(0, slash))}\u0000${f.tag}\u0000${f.partition}`;
    const list = byWriter.get(writer);
    const p = { key: o.key, writer, first: f.first, last: f.last };
    if (list) list.push(p);
    else byWriter.set(writer, [p]);
  }
  const out = new Set<string>();
  for (const files of byWriter.values()) {
    // Widest first among equal starts: a covering file comes before what it covers.
    files.sort((a, b) => a.first - b.first || b.last - a.last);
    let coverLast = -1;
    for (const f of files) {
      if (f.last <= coverLast) out.add(f.key);
      else coverLast = f.last;
    }
  }
  return out;
}

/** The objects a reader should read: all but superseded sink files. */
export function liveFiles<T extends LakeObject>(objects: readonly T[]): T[] {
  const gone = supersededKeys(objects);
  return gone.size === 0 ? [...objects] : objects.filter((o) => !gone.has(o.key));
}

const sameListing = (a: readonly LakeObject[], b: readonly LakeObject[]) => a.length === b.length && a.every((o, i) => o.key === b[i].key && o.size === b[i].size);

/**
 * The live files under `prefix`, from a listing no merge tore. A listing is not a snapshot: one
 * taken while a compaction commits its merged file and deletes the inputs can hold neither (the
 * output committed behind the listing's position, the inputs deleted ahead of it), and would
 * silently miss those rows. Such a tear always shows in the next listing (the output is there by
 * then), so this lists until two listings in a row agree, on the part `relevant` selects. Waits
 * a little more each time; throws after `attempts` listings that kept changing.
 */
export async function listLive(lake: Lake, bucket: string, prefix: string, relevant: (o: LakeObject) => boolean = () => true, attempts = 8): Promise<LakeObject[]> {
  let last = (await lake.list(bucket, prefix)).filter(relevant);
  for (let i = 1; i < attempts; i++) {
    const next = (await lake.list(bucket, prefix)).filter(relevant);
    if (sameListing(last, next)) return liveFiles(next);
    last = next;
    await new Promise((r) => setTimeout(r, 25 * 2 ** i));
  }
  throw new Error(`${bucket}/${prefix} kept changing over ${attempts} listings (a compaction or sinks committing); try again`);
}
