// Scored tweets and ticks as the windows and join actors receive them, for their unit tests.
import type { PriceRow, TweetRow } from '../../src/domain/records.js';

export const MIN = 60_000;
export const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
export const tweet = (id: string, topic: string, t: number, score: number): TweetRow => ({ kind: 'tweet-row', id, topic, partition: 0, offset: 0, createdAt: t, ingestTs: t, text: id, userId: 'u', sentimentScore: score, late: false });
export const tick = (id: string, symbol: string, t: number, open: number, close: number): PriceRow => ({ kind: 'price', id, symbol, partition: 0, offset: 0, tradeTs: t, ingestTs: t, openPrice: open, closePrice: close, volume: 100, late: false });
export const info = { link: 'l', fromStage: 'x', fromPartition: 0 };
