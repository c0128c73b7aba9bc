// bronze-sink: accepts scored tweet rows, price rows and dead letters of one source partition;
// emits on `dead` the dead letters of rows the lake refused (for the DLQ topics).
import { actorRef } from '../../runtime/actor.js';
import type { DeadLetter, PriceRow, TweetRow } from '../../domain/records.js';

export type BronzeSinkMessage = TweetRow | PriceRow | DeadLetter;

export interface BronzeSinkOptions {
  pipeline: string;
  /** Embedded lake root (DATA_DIR/lake); the stack profile passes S3 settings instead. */
  lake: LakeSettings;
  maxRowsPerFile: number;
  maxFileAgeMs: number;
}

export type { LakeSettings } from '../../io/lake/open.js';
import type { LakeSettings } from '../../io/lake/open.js';

/** Snapshot: the next offset of each input topic this partition has made durable. */
export interface BronzeSinkState {
  tweets: number;
  prices: number;
}

/** What the actor emits, by output. */
export type BronzeSinkOutputs = { dead: DeadLetter };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const bronzeSinkActor = actorRef<BronzeSinkOptions, BronzeSinkMessage, BronzeSinkOutputs>(new URL('./actor.js', import.meta.url).href);
