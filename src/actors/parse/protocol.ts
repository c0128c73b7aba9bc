// parse: accepts what a source reads (RawRecords, and idle markers in order with them); emits
// ParsedTweet on `tweets`, PriceRow on `prices`, DeadLetter on `dead` and LateRow on `late`. It
// decides which records are late and generates the partition's watermark
// (domain/partition-watermark.ts).
import type { PartitionWatermark } from '../../domain/partition-watermark.js';
import { actorRef } from '../../runtime/actor.js';
import type { DeadLetter, InputTopic, LateRow, ParsedTweet, PriceRow, SourceRecord } from '../../domain/records.js';

export type ParseMessage = SourceRecord;

export interface ParseOptions {
  pipeline: string;
  allowedLatenessMs: number;
}

/** Snapshot: what each topic partition's watermark decided, and the late rows' sequence. */
export interface ParseSnapshot {
  time: ReturnType<PartitionWatermark<InputTopic>['snapshot']>;
  lateSeq: number;
}

/** What restore takes: a snapshot, or one of the version that kept one maximum over both topics. */
export type ParseState = ParseSnapshot | { maxEventTime: number | null };

/** What the actor emits, by output. */
export type ParseOutputs = { tweets: ParsedTweet; prices: PriceRow; dead: DeadLetter; late: LateRow };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const parseActor = actorRef<ParseOptions, ParseMessage, ParseOutputs>(new URL('./actor.js', import.meta.url).href);
