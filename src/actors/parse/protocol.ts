// parse: accepts RawRecords; emits ParsedTweet on `tweets`, PriceRow on `prices`, DeadLetter on
// `dead`. It assigns event-time watermarks per input partition.
import type { RawRecord } from '../../domain/records.js';

export type ParseMessage = RawRecord;

export interface ParseOptions {
  pipeline: string;
  allowedLatenessMs: number;
}
