// shuffle-sink: accepts input partition p's scored tweet rows and price rows; writes them to the
// repartition topic, each to the partition of its symbol, so the windows and the join of that
// symbol read them wherever they run. No outputs.
import { actorRef, type NoOutputs } from '../../runtime/actor.js';
import type { PriceRow, TweetRow } from '../../domain/records.js';

export type ShuffleSinkMessage = TweetRow | PriceRow;

export interface ShuffleSinkOptions {
  pipeline: string;
  brokers: string[];
  topicPrefix: string;
  /** Partitions of the repartition topic (= of the inputs). */
  partitions: number;
}

/**
 * A message on the repartition topic (msgpack): rows of origin partition `o` in offset order,
 * a watermark marker (no row of origin `o` with event time < `w` follows), or an idle marker
 * (origin `o` has nothing to send for now: its inputs are idle).
 */
export type ShuffleMessage =
  | { o: number; t?: TweetRow[]; p?: PriceRow[]; w?: undefined; idle?: undefined }
  | { o: number; w: number; idle?: undefined }
  | { o: number; idle: true; w?: undefined };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const shuffleSinkActor = actorRef<ShuffleSinkOptions, ShuffleSinkMessage, NoOutputs>(new URL('./actor.js', import.meta.url).href);
