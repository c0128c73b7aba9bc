// windows: accepts scored tweets (slim TweetScores, or whole rows) and price rows, keyed by symbol. Emits WindowRow on `out`,
// AlertRow on `alerts` and LateRow on `late`.
import { actorRef } from '../../runtime/actor.js';
import type { AlertRow, LateRow, PriceRow, TweetRow, TweetScore, WindowRow } from '../../domain/records.js';
import type { AlertRule } from '../../domain/alerts.js';
import type { SlidingWindows, WindowSpec } from '../../domain/windows.js';

export type WindowsMessage = TweetScore | TweetRow | PriceRow;

export interface WindowsOptions {
  pipeline: string;
  window: WindowSpec;
  alerts: AlertRule;
}

/** Snapshot. */
export interface WindowsState {
  windows: ReturnType<SlidingWindows['snapshot']>;
  seq: { out: number; alerts: number; late: number };
  watermark: number | null;
}

/** What the actor emits, by output. */
export type WindowsOutputs = { out: WindowRow; alerts: AlertRow; late: LateRow };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const windowsActor = actorRef<WindowsOptions, WindowsMessage, WindowsOutputs>(new URL('./actor.js', import.meta.url).href);
