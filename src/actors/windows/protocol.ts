// windows: accepts scored tweets (slim TweetScores, or whole rows) and price rows, keyed by symbol. Emits WindowRow on `out`,
// AlertRow on `alerts` and LateRow on `late`.
import type { PriceRow, TweetRow, TweetScore } from '../../domain/records.js';
import type { AlertRule } from '../../domain/alerts.js';
import type { WindowSpec } from '../../domain/windows.js';

export type WindowsMessage = TweetScore | TweetRow | PriceRow;

export interface WindowsOptions {
  pipeline: string;
  window: WindowSpec;
  alerts: AlertRule;
}
