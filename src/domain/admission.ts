// What the parse stage checks of a raw record before reading its payload: that its bytes were
// UTF-8, its source position can name lake files, and (a file's row) it could be mapped to a payload. Both are the source's facts, not the
// payload's, so they come first; a record failing them is a dead letter like any other.

import type { Invalid } from './payloads.js';
import type { RawRecord } from './records.js';
import { isStorablePosition, isStorableTime } from './storable.js';

/** Why `r` cannot be validated at all, or null. */
export function rawRecordProblem(r: RawRecord): Invalid | null {
  if (!isStorablePosition(r.partition, r.offset)) {
    return { ok: false, reason: 'bad_position', detail: `source position partition ${r.partition}, offset ${r.offset} is not a partition in 0 .. 2^31 - 1 and an offset in 0 .. 2^53 - 1` };
  }
  if (r.notUtf8) return { ok: false, reason: 'not_utf8', detail: 'value bytes are not valid UTF-8 (raw keeps them with U+FFFD for each invalid sequence)' };
  if (r.unmapped !== undefined) return { ok: false, reason: 'unmapped_row', detail: r.unmapped };
  return null;
}

/**
 * `r` with an ingest time every sink stores. Ingest time is processing time (the Kafka record's
 * timestamp, which a producer may set to anything): one outside years 0000-9999 or not whole is
 * replaced by `now`, the parse stage's clock, rather than failing the row in every sink.
 */
export function withStorableIngest(r: RawRecord, now: () => number): RawRecord {
  return isStorableTime(r.ingestTs) ? r : { ...r, ingestTs: now() };
}
