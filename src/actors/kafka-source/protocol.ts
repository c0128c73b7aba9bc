// kafka-source: takes no input; emits RawRecords of topics `tweets` and `stock-prices`,
// partition p (the two topics are co-partitioned by symbol).

export interface KafkaSourceOptions {
  pipeline: string;
  brokers: string[];
  groupId: string;
  topicPrefix: string;
  batchSize: number;
  /** Queued records per topic partition above which it is paused, and below which resumed. */
  highWater: number;
  lowWater: number;
}

/** Snapshot: the next offset to read of each topic in this partition (null: nothing read yet). */
export interface KafkaSourceState {
  tweets: number | null;
  prices: number | null;
}
