// file-source: takes no input; emits RawRecords of topics `tweets` and `stock-prices`, partition
// 0, replayed from files (`cashtag run --file/--prices-file`). Offset = the record's index in its
// file, so record ids are `t0-<i>` / `p0-<i>` (domain/records.ts).

import type { SourceRecord } from '../../domain/records.js';
import type { ResolvedFile } from '../../io/files/record-file.js';
import { actorRef } from '../../runtime/actor.js';

export interface FileSourceOptions {
  pipeline: string;
  /** The tweets file, resolved at start-up (its format and column mapping), or none. */
  tweets: ResolvedFile | null;
  /** The prices file likewise, or none. */
  prices: ResolvedFile | null;
  /** Records (tweets and ticks) per second; 0 = as fast as the pipeline takes them. */
  rate: number;
  batchSize: number;
  /** A rate-limited source emits a partial batch once this much time has passed. */
  lingerMs: number;
}

/** Snapshot: the next record index to read of each file. */
export interface FileSourceState {
  tweets: number;
  prices: number;
}

/** What the actor emits, by output. */
export type FileSourceOutputs = { out: SourceRecord };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const fileSourceActor = actorRef<FileSourceOptions, never, FileSourceOutputs>(new URL('./actor.js', import.meta.url).href);
