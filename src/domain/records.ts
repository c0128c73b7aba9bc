// The records that flow through the speed layer after the source, and the rows the sinks write.
// Times are epoch milliseconds. A record id is derived from (topic, partition, offset), so a
// replay produces the same ids and idempotent sinks overwrite instead of duplicating.

import type { Alert } from './alerts.js';
import type { DeadLetterReason } from './payloads.js';
import type { WindowResult } from './windows.js';

export const TWEETS_TOPIC = 'tweets';
export const PRICES_TOPIC = 'stock-prices';
export type InputTopic = typeof TWEETS_TOPIC | typeof PRICES_TOPIC;

/** A record as read from its source (Kafka or the generator). */
export interface RawRecord {
  topic: InputTopic;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  /** Processing time when the source read it. */
  ingestTs: number;
  /** Set when the value's bytes were not valid UTF-8 (`value` then has U+FFFD in their place). */
  notUtf8?: boolean;
  /** Set by the file source for a row it could not map to a payload: why (it is a dead letter). */
  unmapped?: string;
}

/**
 * A source's word, in order with its records, that a topic partition has nothing to read for now
 * (IDLE_TIMEOUT without a record, everything the broker had read). It stops holding the
 * partition's watermark back until a record of it comes again.
 */
export interface IdleMarker {
  kind: 'idle';
  topic: InputTopic;
  partition: number;
}

/** What a source emits. */
export type SourceRecord = RawRecord | IdleMarker;

/** A parsed tweet, before scoring. `symbols` is empty when it names none. */
export interface ParsedTweet {
  kind: 'tweet';
  id: string;
  partition: number;
  offset: number;
  createdAt: number;
  ingestTs: number;
  text: string;
  userId: string;
  symbols: string[];
  /**
   * Older than its input partition's watermark when it was read (parse decides it, from that
   * topic partition's records alone): archived and served, left out of windows and joins.
   */
  late: boolean;
}

/** One bronze/serving row per (tweet, symbol); `topic` is the symbol or NONE. */
export interface TweetRow {
  kind: 'tweet-row';
  id: string;
  topic: string;
  partition: number;
  offset: number;
  createdAt: number;
  ingestTs: number;
  text: string;
  userId: string;
  sentimentScore: number;
  /**
   * Older than its input partition's watermark when it was read (parse decides it, from that
   * topic partition's records alone): archived and served, left out of windows and joins.
   */
  late: boolean;
}

/** The part of a scored tweet row the windows need (no text): what they are sent, to copy less. */
export interface TweetScore {
  kind: 'tweet-score';
  id: string;
  topic: string;
  createdAt: number;
  ingestTs: number;
  sentimentScore: number;
  late: boolean;
}

export interface PriceRow {
  kind: 'price';
  id: string;
  symbol: string;
  partition: number;
  offset: number;
  tradeTs: number;
  ingestTs: number;
  openPrice: number;
  closePrice: number;
  volume: number;
  /**
   * Older than its input partition's watermark when it was read (parse decides it, from that
   * topic partition's records alone): archived and served, left out of windows and joins.
   */
  late: boolean;
}

export interface DeadLetter {
  kind: 'dead-letter';
  topic: InputTopic;
  partition: number;
  offset: number;
  ingestTs: number;
  reason: DeadLetterReason;
  detail: string;
  raw: string;
}

/** One letter per input topic in a record id; the letter is the id's first character. */
const TOPIC_CODE: Record<InputTopic, string> = { [TWEETS_TOPIC]: 't', [PRICES_TOPIC]: 'p' };
const COMPACT_ID = /^([tp])(\d+)-(\d+)$/;

/**
 * A record's id in the pipeline and the lake: `<topic letter><partition>-<offset>`, e.g.
 * `t3-57309` for tweets partition 3 offset 57309, `p0-12` for stock-prices. Deterministic and
 * unique per (topic, partition, offset), and short: a bronze row spends ~4.6 bytes on it after
 * snappy instead of ~40 for a UUID string. The serving stores (Cassandra's `id uuid` by the
 * seed contract, and the embedded store, so the API answers the same ids on both profiles) key
 * rows by `recordUuid(id)`, derived from it.
 */
export function recordId(topic: InputTopic, partition: number, offset: number): string {
  return `${TOPIC_CODE[topic]}${partition}-${offset}`;
}

/** (topic, partition, offset) of a `recordId`, or null for any other string. */
export function parseRecordId(id: string): { topic: InputTopic; partition: number; offset: number } | null {
  const m = COMPACT_ID.exec(id);
  return m ? { topic: m[1] === 't' ? TWEETS_TOPIC : PRICES_TOPIC, partition: Number(m[2]), offset: Number(m[3]) } : null;
}

/**
 * The UUID of a record in the serving stores: two FNV-1a passes with different seeds over
 * `<topic>:<partition>:<offset>` give 64 bits each (the rule cashtag has always keyed Cassandra
 * rows by, so stored rows keep their keys). Deterministic, cheap, and stable across runs.
 */
export function recordUuid(topic: string, partition: number, offset: number): string {
  const s = `${topic}:${partition}:${offset}`;
  // The four FNV-1a passes (seeds below) in one loop over the string.
  let a = 0x811c9dc5 >>> 0, b = (0x01000193 ^ 0x5bd1e995) >>> 0, c = 0x27d4eb2d >>> 0, d = 0x165667b1 >>> 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193);
    c = Math.imul(c ^ ch, 0x01000193);
    d = Math.imul(d ^ ch, 0x01000193);
  }
  const h = hex8(fnvFinish(a)) + hex8(fnvFinish(b)) + hex8(fnvFinish(c)) + hex8(fnvFinish(d));
  // Version 8 (custom) and RFC 4122 variant bits, so it is a well-formed UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 8 lowercase hex digits of an unsigned 32-bit number (a table per byte: ids are on the hot path). */
const hex8 = (n: number) => HEX_BYTE[n >>> 24] + HEX_BYTE[(n >>> 16) & 255] + HEX_BYTE[(n >>> 8) & 255] + HEX_BYTE[n & 255];

/**
 * The id a serving store keys a row by: a record id's `recordUuid`; any other string (fixtures)
 * as it is, which Cassandra's uuid column then refuses unless it is a UUID.
 */
export function servingId(id: string): string {
  const r = parseRecordId(id);
  return r ? recordUuid(r.topic, r.partition, r.offset) : id;
}

/** `recordUuid` of a `recordId`; throws for a string that is not one. */
export function uuidOfRecordId(id: string): string {
  const r = parseRecordId(id);
  if (!r) throw new Error(`not a record id (<t|p><partition>-<offset>): ${JSON.stringify(id).slice(0, 80)}`);
  return recordUuid(r.topic, r.partition, r.offset);
}

/** FNV-1a's final mix, as cashtag has always applied it. */
function fnvFinish(h: number): number {
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h >>> 0;
}

/** A 5-minute window of one symbol, as the window actor emits it. `seq` orders its output. */
export type WindowRow = { kind: 'window'; seq: number } & WindowResult;

/** A tweet joined with its symbol's latest tick at or before it (null fields: none found). */
export interface JoinedRow {
  kind: 'joined';
  seq: number;
  id: string;
  topic: string;
  createdAt: number;
  sentimentScore: number;
  text: string;
  priceId: string | null;
  tradeTs: number | null;
  openPrice: number | null;
  closePrice: number | null;
  volume: number | null;
}

export type AlertRow = { kind: 'alert'; seq: number } & Alert;

/**
 * A late record: older than the watermark it missed. `stage` is where that was decided: `parse`
 * for its input partition's watermark (the rule, deterministic), `windows` or `join` for a record
 * of a partition that was idle and resumed behind the stage's watermark (docs/architecture.md).
 */
export interface LateRow {
  kind: 'late';
  seq: number;
  stage: string;
  recordKind: 'tweet' | 'price';
  id: string;
  symbol: string;
  eventTime: number;
  watermark: number;
  ingestTs: number;
}
