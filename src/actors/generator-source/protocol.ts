// The generator source takes no input; it emits RawRecords on `out` (see domain/records.ts).
import { actorRef } from '../../runtime/actor.js';
import type { SourceRecord } from '../../domain/records.js';
import type { GeneratorSettings } from '../../domain/generator.js';

export interface GeneratorSourceOptions {
  pipeline: string;
  generator: GeneratorSettings;
  /** Tweets per second for this instance (0 = as fast as downstream allows). */
  tweetRate: number;
  /** Price ticks per tweet (e.g. 0.1 = one tick every ten tweets). */
  pricesPerTweet: number;
  /** Stop after this many tweets in this partition (-1 = never). */
  limit: number;
  batchSize: number;
  /** A rate-limited source emits a partial batch once this much time has passed. */
  lingerMs: number;
}

/** Snapshot: the next offset of each topic in this partition. */
export interface GeneratorSourceState {
  tweets: number;
  prices: number;
}

/** What the actor emits, by output. */
export type GeneratorSourceOutputs = { out: SourceRecord };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const generatorSourceActor = actorRef<GeneratorSourceOptions, never, GeneratorSourceOutputs>(new URL('./actor.js', import.meta.url).href);
