// Serving-store rows as the API returns them: times as ISO-8601 strings (UTC), nulls kept,
// and each tweet's score with its VADER label.
import type { StoredAlert, StoredPrice, StoredTweet, StoredWindow } from '../../io/store/serving-store.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** VADER's conventional thresholds on the compound score. */
export const sentimentLabel = (score: number): 'positive' | 'neutral' | 'negative' => (score >= 0.05 ? 'positive' : score <= -0.05 ? 'negative' : 'neutral');

export const apiTweet = (t: StoredTweet) => ({ id: t.id, symbol: t.topic, created_at: iso(t.created_at), ingest_timestamp: iso(t.ingest_timestamp), text: t.text, user_id: t.user_id, sentiment_score: t.sentiment_score, sentiment: sentimentLabel(t.sentiment_score) });

export const apiPrice = (p: StoredPrice) => ({ id: p.id, symbol: p.symbol, trade_timestamp: iso(p.trade_timestamp), ingest_timestamp: iso(p.ingest_timestamp), open_price: p.open_price, close_price: p.close_price, volume: p.volume });

export const apiWindow = (w: StoredWindow) => ({ ...w, window_start: iso(w.window_start), window_end: iso(w.window_end) });

export const apiAlert = (a: StoredAlert) => ({ ...a, window_start: iso(a.window_start), window_end: iso(a.window_end) });
