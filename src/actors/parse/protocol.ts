// parse: accepts what a source reads (RawRecords, and idle markers in order with them); emits
// ParsedTweet on `tweets`, PriceRow on `prices`, DeadLetter on `dead` and LateRow on `late`. It
// decides which records are late and generates the partition's watermark
// (domain/partition-watermark.ts).
import type { SourceRecord } from '../../domain/records.js';

export type ParseMessage = SourceRecord;

export interface ParseOptions {
  pipeline: string;
  allowedLatenessMs: number;
}
