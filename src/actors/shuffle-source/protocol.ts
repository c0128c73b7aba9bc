// shuffle-source: takes no input; emits the tweet rows and price rows of the repartition topic's
// partition q (the symbols that hash to q, from every input partition), each once, with the
// watermark: the minimum over the input partitions' markers.
import { actorRef } from '../../runtime/actor.js';
import type { PriceRow, TweetRow } from '../../domain/records.js';
import type { HubSettings } from '../../io/kafka/consumer-hub.js';

export interface ShuffleSourceOptions {
  pipeline: string;
  hub: HubSettings;
  /** Messages taken per produce() call. */
  batchMessages: number;
  /** Partitions of the inputs (the origins of the rows). */
  partitions: number;
}

export interface ShuffleSourceState {
  /** Next offset of the repartition topic's partition to read (null: nothing read yet). */
  next: number | null;
  /** Per origin partition: the highest source offset of the tweets and ticks already emitted. */
  seenTweets: number[];
  seenPrices: number[];
  /** Per origin partition: its last watermark marker (null: none yet). */
  watermarks: (number | null)[];
}

/** What the actor emits, by output. */
export type ShuffleSourceOutputs = { out: TweetRow | PriceRow };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const shuffleSourceActor = actorRef<ShuffleSourceOptions, never, ShuffleSourceOutputs>(new URL('./actor.js', import.meta.url).href);
