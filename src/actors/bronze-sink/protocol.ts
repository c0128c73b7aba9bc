// bronze-sink: accepts scored tweet rows, price rows and dead letters of one source partition;
// emits on `dead` the dead letters of rows the lake refused (for the DLQ topics).
import { actorRef } from '../../runtime/actor.js';
import type { DeadLetter, PriceRow, TweetRow } from '../../domain/records.js';
import type { DeadLetterReason } from '../../domain/payloads.js';

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

/**
 * Dead letters reach a bronze sink from three places: parse, the store sink (rows it refused)
 * and the bronze sink itself (rows the lake refused). Each place sends one topic's dead letters
 * in offset order, but not in order with the others, so each gets its own writer (file tag) per
 * topic: one writer's files must hold disjoint offset ranges (file-names.ts), or a file inside
 * another's range would be taken as superseded by a merge.
 */
export const DEAD_LETTER_WRITERS = ['', 'store', 'lake'] as const;
export type DeadLetterWriter = (typeof DEAD_LETTER_WRITERS)[number];

/** The writer (file tag) of a dead letter, by its reason. */
export const deadLetterWriter = (reason: DeadLetterReason): DeadLetterWriter =>
  reason === 'rejected_by_store' ? 'store' : reason === 'rejected_by_lake' ? 'lake' : '';

/** What the actor emits, by output. */
export type BronzeSinkOutputs = { dead: DeadLetter };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const bronzeSinkActor = actorRef<BronzeSinkOptions, BronzeSinkMessage, BronzeSinkOutputs>(new URL('./actor.js', import.meta.url).href);
