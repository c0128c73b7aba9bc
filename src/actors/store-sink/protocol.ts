// store-sink: accepts scored tweet rows, price rows, windows and alerts; upserts the serving store;
// emits on `dead` the dead letters of tweets and ticks the store refused.
import { actorRef } from '../../runtime/actor.js';
import type { AlertRow, DeadLetter, PriceRow, TweetRow, WindowRow } from '../../domain/records.js';

export type StoreSinkMessage = TweetRow | PriceRow | WindowRow | AlertRow;

import type { StoreSettings } from '../../io/store/open.js';
export type { StoreSettings };

export interface StoreSinkOptions {
  pipeline: string;
  store: StoreSettings;
  /** Rows older than this (event time, behind the newest seen) are expired at checkpoints. */
  retentionMs: number;
  /** Newest rows kept per symbol and table (0 = no cap), so the embedded store stays bounded: kept by every write (LMDB only). */
  maxRowsPerSymbol: number;
  /** How long a failing write is retried (holding the sources back) before the actor fails. */
  retryBudgetMs: number;
}

/** What the actor emits, by output. */
export type StoreSinkOutputs = { dead: DeadLetter };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const storeSinkActor = actorRef<StoreSinkOptions, StoreSinkMessage, StoreSinkOutputs>(new URL('./actor.js', import.meta.url).href);
