// The seed's two Kafka payloads, validated with reasons that name what is wrong. A record that
// fails becomes a dead letter carrying one of these reason codes; nothing here throws.
// A record that passes fits every sink (storable.ts has the limits and why), so no sink
// refuses it later. JSON with a repeated key is read as JSON.parse reads it: the last one wins.

import { isValidSymbol } from './cashtags.js';
import { hasLoneSurrogate, isStorableTime, safeDetail, MAX_TEXT_LENGTH, MAX_USER_ID_LENGTH, MAX_VOLUME } from './storable.js';
import { parseEventTime } from './time.js';

export { MAX_TEXT_LENGTH, MAX_USER_ID_LENGTH, MAX_VOLUME } from './storable.js';

export interface TweetPayload {
  created_at: string;
  text: string;
  user_id: string;
  /**
   * Optional, beyond the seed: the symbol the tweet is about when its text names no $CASHTAG
   * (a replayed file's `Stock Name` column, say). Cashtags in the text win.
   */
  symbol?: string;
}

export interface PricePayload {
  symbol: string;
  trade_timestamp: string;
  open_price: number;
  close_price: number;
  volume: number;
}

export const DEAD_LETTER_REASONS = [
  'not_json',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'bad_timestamp',
  'text_too_long',
  'bad_symbol',
  'negative_value',
  'not_finite',
  /** A number beyond what the sinks hold exactly (volume above 2^53 - 1, a numeric user id likewise). */
  'out_of_range',
  /** user_id longer than MAX_USER_ID_LENGTH. */
  'field_too_long',
  /** A row of a replayed file (`--file`) that could not be mapped to the payload: a CSV row that cannot be read, a missing column. */
  'unmapped_row',
  /** A string field holds a lone surrogate: it has no UTF-8 form, every sink would alter it. */
  'invalid_unicode',
  /** The record's bytes are not valid UTF-8 (the Kafka source reports it). */
  'not_utf8',
  /** The source gave a position (partition, offset) no lake file can be named by: a source bug. */
  'bad_position',
  /** The bronze lake refused the row (its encoder's reason is in the detail); validation let it through. */
  'rejected_by_lake',
  /** The serving store refused the row for its content (not an outage, which is retried). */
  'rejected_by_store',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface Invalid {
  ok: false;
  reason: DeadLetterReason;
  /** Human-readable: which field, what was found, what was expected. */
  detail: string;
}
export type Validated<T> = { ok: true; value: T; eventTime: number } | Invalid;

const bad = (reason: DeadLetterReason, detail: string): Invalid => ({ ok: false, reason, detail });

function parseObject(raw: string): Record<string, unknown> | Invalid {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return bad('not_json', `value is not JSON: ${safeDetail(e instanceof Error ? e.message : String(e), 200)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('not_an_object', `expected a JSON object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Record<string, unknown>;
}

const isInvalid = (v: unknown): v is Invalid => typeof v === 'object' && v !== null && (v as Invalid).ok === false;

function field<T>(o: Record<string, unknown>, name: string, type: 'string' | 'number', check?: (v: T) => Invalid | null): T | Invalid {
  if (!(name in o) || o[name] === null || o[name] === undefined) return bad('missing_field', `field "${name}" is missing`);
  const v = o[name];
  if (typeof v !== type) return bad('wrong_type', `field "${name}" should be a ${type}, found ${typeof v}`);
  if (type === 'number' && !Number.isFinite(v)) return bad('not_finite', `field "${name}" is not a finite number`);
  if (type === 'string' && hasLoneSurrogate(v as string)) return bad('invalid_unicode', `field "${name}" holds a lone surrogate (invalid UTF-16, no UTF-8 form)`);
  return check?.(v as T) ?? (v as T);
}

/** A quoted, bounded and well-formed excerpt of a string value for a detail. */
const quote = (v: string) => JSON.stringify(v.slice(0, 40));

/** A timestamp field: its text as sent and the instant it names (parsed once). */
function timestampField(o: Record<string, unknown>, name: string): { text: string; ms: number } | Invalid {
  const text = field<string>(o, name, 'string');
  if (isInvalid(text)) return text;
  const ms = parseEventTime(text);
  if (ms === null) return bad('bad_timestamp', `field "${name}" = ${quote(text)} is not "YYYY-MM-DD HH:MM:SS" (UTC) or ISO-8601`);
  // A zone offset can carry 9999-12-31 23:59 past the year 9999 (or 0000-01-01 before year 0).
  return isStorableTime(ms) ? { text, ms } : bad('bad_timestamp', `field "${name}" = ${quote(text)} is outside 0000-01-01 .. 9999-12-31 UTC`);
}
const nonNegative = (name: string) => (v: number) => (v < 0 ? bad('negative_value', `field "${name}" = ${v} is negative`) : null);
/** -0 is stored as 0: it is the same amount, and readers print "-0.0" otherwise. */
const plusZero = (v: number) => (v === 0 ? 0 : v);

export function validateTweet(raw: string): Validated<TweetPayload> {
  const o = parseObject(raw);
  if (isInvalid(o)) return o;
  const createdAt = timestampField(o, 'created_at');
  if (isInvalid(createdAt)) return createdAt;
  const created_at = createdAt.text;
  const text = field<string>(o, 'text', 'string', (t) => (t.length > MAX_TEXT_LENGTH ? bad('text_too_long', `field "text" has ${t.length} characters, at most ${MAX_TEXT_LENGTH} are accepted`) : null));
  if (isInvalid(text)) return text;
  const user_id = userId(o.user_id);
  if (isInvalid(user_id)) return user_id;
  if (o.symbol === undefined || o.symbol === null) return { ok: true, value: { created_at, text, user_id }, eventTime: createdAt.ms };
  const symbol = field<string>(o, 'symbol', 'string', (s) => (isValidSymbol(s) ? null : bad('bad_symbol', `field "symbol" = ${quote(s)} does not match ^[A-Z][A-Z0-9.]{0,9}$`)));
  if (isInvalid(symbol)) return symbol;
  return { ok: true, value: { created_at, text, user_id, symbol }, eventTime: createdAt.ms };
}

/** User ids come as strings in the seed; whole numbers are accepted too and kept as text. */
function userId(uid: unknown): string | Invalid {
  if (uid === undefined || uid === null) return bad('missing_field', 'field "user_id" is missing');
  if (typeof uid === 'number') {
    // Past 2^53 JSON.parse has already rounded the id: it would be stored as another user's.
    if (!Number.isSafeInteger(uid) || uid < 0) return bad('out_of_range', `field "user_id" = ${uid} is not a whole number in 0 .. 2^53 - 1 (send larger ids as strings)`);
    return String(uid);
  }
  if (typeof uid !== 'string') return bad('wrong_type', `field "user_id" should be a string, found ${Array.isArray(uid) ? 'an array' : typeof uid}`);
  if (hasLoneSurrogate(uid)) return bad('invalid_unicode', 'field "user_id" holds a lone surrogate (invalid UTF-16, no UTF-8 form)');
  if (uid.length > MAX_USER_ID_LENGTH) return bad('field_too_long', `field "user_id" has ${uid.length} characters, at most ${MAX_USER_ID_LENGTH} are accepted`);
  return uid;
}

export function validatePrice(raw: string): Validated<PricePayload> {
  const o = parseObject(raw);
  if (isInvalid(o)) return o;
  const symbol = field<string>(o, 'symbol', 'string', (s) => (isValidSymbol(s) ? null : bad('bad_symbol', `field "symbol" = ${quote(s)} does not match ^[A-Z][A-Z0-9.]{0,9}$`)));
  if (isInvalid(symbol)) return symbol;
  const tradeTs = timestampField(o, 'trade_timestamp');
  if (isInvalid(tradeTs)) return tradeTs;
  const trade_timestamp = tradeTs.text;
  const open_price = field<number>(o, 'open_price', 'number', nonNegative('open_price'));
  if (isInvalid(open_price)) return open_price;
  const close_price = field<number>(o, 'close_price', 'number', nonNegative('close_price'));
  if (isInvalid(close_price)) return close_price;
  const volume = field<number>(o, 'volume', 'number', nonNegative('volume'));
  if (isInvalid(volume)) return volume;
  if (!Number.isInteger(volume)) return bad('wrong_type', `field "volume" = ${volume} should be a whole number`);
  if (volume > MAX_VOLUME) return bad('out_of_range', `field "volume" = ${volume} is above 2^53 - 1, the largest whole number stored exactly`);
  return { ok: true, value: { symbol, trade_timestamp, open_price: plusZero(open_price), close_price: plusZero(close_price), volume: plusZero(volume) }, eventTime: tradeTs.ms };
}
