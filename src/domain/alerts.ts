// The design's third use case: alert when a symbol's window has mean sentiment below a
// threshold and its price fell by more than a fraction from open to close.
import type { WindowResult } from './windows.js';

export interface AlertRule {
  /** Alert when mean sentiment < this (default -0.5). */
  sentimentBelow: number;
  /** ... and close < open x (1 - priceDrop) (default 0.02, i.e. a 2 % drop). */
  priceDrop: number;
}

export const DEFAULT_ALERT_RULE: AlertRule = { sentimentBelow: -0.5, priceDrop: 0.02 };

export interface Alert {
  symbol: string;
  windowStart: number;
  windowEnd: number;
  meanSentiment: number;
  tweetCount: number;
  open: number;
  close: number;
  /** (close - open) / open, negative for a drop. */
  change: number;
}

export function checkAlert(w: WindowResult, rule: AlertRule): Alert | null {
  if (w.meanSentiment === null || w.open === null || w.close === null || w.open <= 0) return null;
  if (!(w.meanSentiment < rule.sentimentBelow)) return null;
  if (!(w.close < w.open * (1 - rule.priceDrop))) return null;
  return { symbol: w.symbol, windowStart: w.windowStart, windowEnd: w.windowEnd, meanSentiment: w.meanSentiment, tweetCount: w.tweetCount, open: w.open, close: w.close, change: (w.close - w.open) / w.open };
}
