// A row a sink refused becomes a dead letter like a record parse refused: same table, same
// topics, with the sink's reason. The raw value is the row as the seed's payload (JSON), so the
// dead letter can be read and replayed like the original; it is not the original bytes (the
// sinks never see those), and numbers and times are as parsed.

import type { DeadLetterReason } from './payloads.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type DeadLetter, type PriceRow, type TweetRow } from './records.js';
import { isStorableTime, safeDetail } from './storable.js';

/** ISO-8601 for any valid JS time; the number as text for anything else (never throws). */
const isoTime = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

function payloadOf(r: TweetRow | PriceRow): string {
  return r.kind === 'tweet-row'
    ? JSON.stringify({ created_at: isoTime(r.createdAt), text: r.text, user_id: r.userId })
    : JSON.stringify({ symbol: r.symbol, trade_timestamp: isoTime(r.tradeTs), open_price: r.openPrice, close_price: r.closePrice, volume: r.volume });
}

/** The dead letter of a row refused by a sink for `detail`; `now` stands in for an unstorable ingest time. */
export function sinkDeadLetter(r: TweetRow | PriceRow, reason: DeadLetterReason, detail: string, now: number): DeadLetter {
  return {
    kind: 'dead-letter',
    topic: r.kind === 'tweet-row' ? TWEETS_TOPIC : PRICES_TOPIC,
    partition: r.partition,
    offset: r.offset,
    ingestTs: isStorableTime(r.ingestTs) ? r.ingestTs : now,
    reason,
    detail: safeDetail(detail),
    raw: payloadOf(r),
  };
}

/**
 * One dead letter per input record: a tweet naming several symbols is several rows with one
 * offset, which reach a sink together, so a refusal repeated for the same topic and offset as
 * the last one is the same record.
 */
export class OncePerRecord {
  private readonly last = new Map<string, number>();

  first(d: DeadLetter): boolean {
    if (this.last.get(d.topic) === d.offset) return false;
    this.last.set(d.topic, d.offset);
    return true;
  }
}
