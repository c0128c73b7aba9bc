// The seed's two Kafka payloads, validated with reasons that name what is wrong. A record that
// fails becomes a dead letter carrying one of these reason codes; nothing here throws.

import { isValidSymbol } from './cashtags.js';
import { parseEventTime } from './time.js';

export interface TweetPayload {
  created_at: string;
  text: string;
  user_id: string;
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
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface Invalid {
  ok: false;
  reason: DeadLetterReason;
  /** Human-readable: which field, what was found, what was expected. */
  detail: string;
}
export type Validated<T> = { ok: true; value: T; eventTime: number } | Invalid;

/** Longest tweet text accepted (characters). Twitter allows 280; replies and notes go longer. */
export const MAX_TEXT_LENGTH = 10_000;

const bad = (reason: DeadLetterReason, detail: string): Invalid => ({ ok: false, reason, detail });

function parseObject(raw: string): Record<string, unknown> | Invalid {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return bad('not_json', `value is not JSON: ${e instanceof Error ? e.message : String(e)}`);
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
  return check?.(v as T) ?? (v as T);
}

const timestamp = (name: string) => (v: string) => (parseEventTime(v) === null ? bad('bad_timestamp', `field "${name}" = ${JSON.stringify(v.slice(0, 40))} is not "YYYY-MM-DD HH:MM:SS" (UTC) or ISO-8601`) : null);
const nonNegative = (name: string) => (v: number) => (v < 0 ? bad('negative_value', `field "${name}" = ${v} is negative`) : null);

export function validateTweet(raw: string): Validated<TweetPayload> {
  const o = parseObject(raw);
  if (isInvalid(o)) return o;
  const created_at = field<string>(o, 'created_at', 'string', timestamp('created_at'));
  if (isInvalid(created_at)) return created_at;
  const text = field<string>(o, 'text', 'string', (t) => (t.length > MAX_TEXT_LENGTH ? bad('text_too_long', `field "text" has ${t.length} characters, at most ${MAX_TEXT_LENGTH} are accepted`) : null));
  if (isInvalid(text)) return text;
  // user ids come as strings in the seed; numeric ids are accepted and kept as text.
  const uid = o.user_id;
  if (uid === undefined || uid === null) return bad('missing_field', 'field "user_id" is missing');
  if (typeof uid !== 'string' && typeof uid !== 'number') return bad('wrong_type', `field "user_id" should be a string, found ${typeof uid}`);
  return { ok: true, value: { created_at, text, user_id: String(uid) }, eventTime: parseEventTime(created_at)! };
}

export function validatePrice(raw: string): Validated<PricePayload> {
  const o = parseObject(raw);
  if (isInvalid(o)) return o;
  const symbol = field<string>(o, 'symbol', 'string', (s) => (isValidSymbol(s) ? null : bad('bad_symbol', `field "symbol" = ${JSON.stringify(s.slice(0, 40))} does not match ^[A-Z][A-Z0-9.]{0,9}$`)));
  if (isInvalid(symbol)) return symbol;
  const trade_timestamp = field<string>(o, 'trade_timestamp', 'string', timestamp('trade_timestamp'));
  if (isInvalid(trade_timestamp)) return trade_timestamp;
  const open_price = field<number>(o, 'open_price', 'number', nonNegative('open_price'));
  if (isInvalid(open_price)) return open_price;
  const close_price = field<number>(o, 'close_price', 'number', nonNegative('close_price'));
  if (isInvalid(close_price)) return close_price;
  const volume = field<number>(o, 'volume', 'number', nonNegative('volume'));
  if (isInvalid(volume)) return volume;
  if (!Number.isInteger(volume)) return bad('wrong_type', `field "volume" = ${volume} should be a whole number`);
  return { ok: true, value: { symbol, trade_timestamp, open_price, close_price, volume }, eventTime: parseEventTime(trade_timestamp)! };
}
