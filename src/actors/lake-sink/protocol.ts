// lake-sink: accepts rows of one derived table (windows, joined tweets, alerts or late events),
// each carrying the `seq` its producing instance gave it (monotonic per producer).
import { actorRef, type NoOutputs } from '../../runtime/actor.js';
import type { AlertRow, JoinedRow, LateRow, WindowRow } from '../../domain/records.js';
import type { DerivedTableName } from '../../io/parquet/derived-schemas.js';
import type { LakeSettings } from '../../io/lake/open.js';

export type LakeSinkMessage = WindowRow | JoinedRow | AlertRow | LateRow;

export interface LakeSinkOptions {
  pipeline: string;
  lake: LakeSettings;
  table: DerivedTableName;
  /** Distinguishes writers sharing a table (late events of windows and of join). */
  tag: string;
  maxRowsPerFile: number;
  maxFileAgeMs: number;
}

/** Snapshot: the next seq not yet durable; on restore, files from it on are rewritten. */
export interface LakeSinkState {
  next: number;
}

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const lakeSinkActor = actorRef<LakeSinkOptions, LakeSinkMessage, NoOutputs>(new URL('./actor.js', import.meta.url).href);
