// A join instance's pending tweets, read back from bronze after a restore. They are not in its
// snapshot (at 5,000 tweets/s two minutes of them are ~85 MB, which took a second to encode at
// every checkpoint): every one of them is already in bronze, committed at the same barrier by
// the bronze sink of the same input partition. The snapshot keeps the range of source offsets
// [from, to) they came from, the watermark and the offsets of the late tweets in the range; the
// pending ones are exactly the rows of that partition in that range that name a symbol, have
// event time at or after the watermark (earlier ones were released, or were late and never held)
// and were not late. They are returned in source-offset order, the order they first arrived in.

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import type { PendingTweet } from '../../domain/join.js';
import type { Lake, LakeObject } from '../../io/lake/lake.js';
import { tweetsTable } from '../../io/parquet/bronze-schemas.js';
import { isUtf8, readColumns, type Utf8Column } from '../../io/parquet/gold-parquet-read.js';
import { listLive, parseFileName } from '../../io/parquet/file-names.js';

export interface PendingRange {
  partition: number;
  from: number;
  to: number;
  watermark: number;
  /** Offsets of tweets in the range that parse flagged late: never held. */
  late: ReadonlySet<number>;
}

/** A snapshot's part: the source offsets [from, to) of the pending tweets and the late ones among them. */
export interface PendingSnapshot {
  from: number;
  to: number;
  /** Absent in checkpoints of versions before late flags. */
  late?: number[];
}

/** What a join instance keeps to find its pending tweets in bronze: the offsets it has received. */
export class BronzeOffsets {
  /** One past the highest source offset of the tweets received. */
  private next = 0;
  /** Source offsets of late tweets received, ascending (what a read-back from bronze skips). */
  private late: number[] = [];

  received(offset: number): void {
    if (offset >= this.next) this.next = offset + 1;
  }

  receivedLate(offset: number): void {
    if (this.late.at(-1) !== offset) this.late.push(offset);
  }

  /** The snapshot's part, given the offset of the oldest pending tweet (null: none pending). */
  snapshot(from: number | null): PendingSnapshot | null {
    this.late = from === null ? [] : this.late.filter((o) => o >= from);
    return from === null ? null : { from, to: this.next, late: this.late };
  }

  /** Continue from a snapshot's part; returns the range to read back. */
  restore(s: PendingSnapshot, partition: number, watermark: number): PendingRange {
    const late = s.late ?? [];
    this.next = s.to;
    this.late = [...late];
    return { partition, from: s.from, to: s.to, watermark, late: new Set(late) };
  }
}

const utf8 = new TextDecoder();
const stringAt = (c: Utf8Column, i: number) => utf8.decode(c.data.subarray(c.offsets[i], c.offsets[i + 1]));

/**
 * A compaction may replace files while they are read: the files listed are the live ones (not
 * superseded by a merged file) of a listing no merge tore (`listLive`), and when one vanishes
 * before it is read the read starts over from a new listing, which then holds the merged file.
 */
export async function pendingFromBronze(lake: Lake, r: PendingRange, attempts = 5): Promise<PendingTweet[]> {
  for (let attempt = 1; ; attempt++) {
    const out = await readPending(lake, r);
    if (out !== null) return out;
    if (attempt >= attempts) throw new Error(`bronze files of partition ${r.partition} kept vanishing while the join restored its pending tweets (${attempts} listings)`);
  }
}

async function readPending(lake: Lake, r: PendingRange): Promise<PendingTweet[] | null> {
  const { bucket, table, column } = tweetsTable;
  const out: PendingTweet[] = [];
  const ours = (key: string) => parseFileName(key.slice(key.lastIndexOf('/') + 1));
  const relevant = ({ key }: LakeObject) => {
    const f = ours(key);
    return f !== null && f.tag === '' && f.partition === r.partition;
  };
  for (const { key } of await listLive(lake, bucket, `${table}/`, relevant)) {
    const f = ours(key)!;
    if (f.last < r.from || f.first >= r.to) continue;
    const dir = key.slice(0, key.lastIndexOf('/'));
    const symbol = dir.slice(dir.lastIndexOf(`${column}=`) + column.length + 1);
    if (symbol === UNTAGGED_TOPIC) continue;
    const bytes = await lake.read(bucket, key);
    if (bytes === null) return null;
    const { rows, columns: c } = await readColumns(bytes, ['record_id', 'created_at', 'sentiment_score', 'text', 'source_offset']);
    const [ids, ts, scores, texts, offsets] = [c.record_id, c.created_at, c.sentiment_score, c.text, c.source_offset];
    if (!isUtf8(ids) || !isUtf8(texts) || isUtf8(ts) || isUtf8(scores) || isUtf8(offsets)) throw new Error(`bronze file ${bucket}/${key}: unexpected column types`);
    for (let i = 0; i < rows; i++) {
      if (offsets[i] < r.from || offsets[i] >= r.to || ts[i] < r.watermark || r.late.has(offsets[i])) continue;
      out.push({ symbol, id: stringAt(ids, i), offset: offsets[i], ts: ts[i], score: scores[i], text: stringAt(texts, i) });
    }
  }
  // The join releases tweets of equal event time in arrival order, which was source-offset
  // order (a tweet naming two symbols arrived as two rows of one offset, in the order of its
  // cashtags; here they come in file order: only their seq numbers can differ from the first run).
  return out.sort((a, b) => a.offset - b.offset);
}
