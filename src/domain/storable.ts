// What every sink can hold, in one place. Validation (payloads.ts) accepts a record only if each
// of its values fits all of them, so no sink refuses a record that passed parse:
//
// | value          | bronze Parquet                | Cassandra                 | LMDB store          | limit here                      |
// |----------------|-------------------------------|---------------------------|---------------------|---------------------------------|
// | prices         | DOUBLE                        | double                    | msgpack float64     | finite, >= 0                    |
// | volume         | INT64                         | bigint                    | msgpack             | whole, 0 .. 2^53 - 1            |
// | event time     | TIMESTAMP(MILLIS), INT64      | timestamp (int64 ms)      | key part (number)   | 0000-01-01 .. 9999-12-31 UTC    |
// | text           | UTF8                          | text (mutation <= 16 MB)  | value               | <= 10,000 UTF-16 units,         |
// | user_id        | UTF8                          | text                      | value               | <= 64 UTF-16 units; well-formed |
// | symbol         | path segment `symbol=SYM`     | partition key (<= 64 KiB) | key part (<= 1978 B)| ^[A-Z][A-Z0-9.]{0,9}$           |
//
// Strings must be well-formed UTF-16: a lone surrogate has no UTF-8 encoding, so every sink
// would store U+FFFD instead (a silent change), not the value the producer sent. The volume
// limit is JSON's, not the sinks': past 2^53 JSON.parse has already rounded the number, so the
// stored value would not be the one sent (the INT64 and bigint columns hold any integer below
// 2^63, e.g. a window's summed volume). The event-time range is the four-digit years ISO-8601
// writes and every reader (Spark, DuckDB, cqlsh) prints; JS dates reach far beyond it (±8.64e15
// ms). A record's source position names its lake files (`part-p<partition>-o<first>-<last>`),
// so it must be a non-negative int32 / safe integer.

/** Longest tweet text accepted (UTF-16 units, so at most 30,000 UTF-8 bytes). Twitter allows 280; notes go longer. */
export const MAX_TEXT_LENGTH = 10_000;
/** Longest user id accepted (UTF-16 units). Twitter's ids are at most 20 digits, handles 15 characters. */
export const MAX_USER_ID_LENGTH = 64;
/** Largest volume accepted: the largest integer JSON.parse (a JS number) reads exactly. */
export const MAX_VOLUME = Number.MAX_SAFE_INTEGER;
/** 0000-01-01T00:00:00.000Z. */
export const MIN_EVENT_TIME = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z. */
export const MAX_EVENT_TIME = 253_402_300_799_999;
/** Largest partition number (Parquet INT32 column `source_partition`). */
export const MAX_PARTITION = 2_147_483_647;

// With the u flag a surrogate pair is one code point, so this matches unpaired halves only.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `s` has a lone surrogate (not valid UTF-16, so not encodable as UTF-8). */
export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s);

/** An event or ingest time every sink stores as written: whole milliseconds within years 0000-9999. */
export const isStorableTime = (ms: number): boolean => Number.isInteger(ms) && ms >= MIN_EVENT_TIME && ms <= MAX_EVENT_TIME;

/** A source position the lake can name files by. */
export const isStorablePosition = (partition: number, offset: number): boolean =>
  Number.isInteger(partition) && partition >= 0 && partition <= MAX_PARTITION && Number.isSafeInteger(offset) && offset >= 0;

/** Well-formed, bounded text for a dead letter's `detail` (it quotes what it found). */
export function safeDetail(s: string, max = 500): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return hasLoneSurrogate(cut) ? cut.replace(/[\uD800-\uDFFF]/gu, '\uFFFD') : cut;
}
