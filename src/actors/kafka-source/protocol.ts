// kafka-source: takes no input; emits RawRecords of topics `tweets` and `stock-prices`,
// partition p (the two topics are co-partitioned by symbol).

import type { HubSettings } from '../../io/kafka/consumer-hub.js';

export interface KafkaSourceOptions {
  pipeline: string;
  /** The consumer group member this process shares (the pipeline starts it first). */
  hub: HubSettings;
  batchSize: number;
}

/** Snapshot: the next offset to read of each topic in this partition (null: nothing read yet). */
export interface KafkaSourceState {
  tweets: number | null;
  prices: number | null;
}
