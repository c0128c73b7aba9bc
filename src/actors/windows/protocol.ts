// windows: accepts scored tweet rows and price rows, keyed by symbol. Emits WindowRow on `out`,
// AlertRow on `alerts` and LateRow on `late`.
import type { PriceRow, TweetRow } from '../../domain/records.js';
import type { AlertRule } from '../../domain/alerts.js';
import type { WindowSpec } from '../../domain/windows.js';

export type WindowsMessage = TweetRow | PriceRow;

export interface WindowsOptions {
  pipeline: string;
  window: WindowSpec;
  alerts: AlertRule;
}
